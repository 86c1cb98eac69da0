"""Request rates per API key and per account, and run requests per account, counted in Redis.

Fixed windows from the `limits` library (one Lua call per check: increment and
set the expiry together) in the Redis the broker uses, so every web process
shares the counts. A limit is a `limits` string such as "100/second" or
"60/minute" (settings `API_RATE_LIMIT_PER_KEY`, `API_RATE_LIMIT_PER_ACCOUNT`,
`RUN_RATE_LIMIT_PER_ACCOUNT`); empty turns it off.

The limits fail open: with Redis unreachable every request goes through (and a
warning is logged once a minute), because refusing all traffic while the broker
restarts would turn a broker outage into an API outage.
"""

from __future__ import annotations

import functools
import logging
import math
import time

from django.conf import settings
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

logger = logging.getLogger(__name__)

# How long a limit check may wait for Redis before letting the request through.
REDIS_TIMEOUT = 0.5
_last_warning = 0.0


def storage_url() -> str:
    """The limits' Redis: RATE_LIMIT_STORAGE_URL, else the broker's (`redis+socket://` is `redis+unix://` there)."""
    url: str = settings.RATE_LIMIT_STORAGE_URL or settings.CELERY_BROKER_URL
    return url.replace("redis+socket://", "redis+unix://", 1)


@functools.cache
def _limiter(url: str) -> FixedWindowRateLimiter:
    options = (
        {}
        if url.startswith("memory://")
        else {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT}
    )
    return FixedWindowRateLimiter(storage_from_string(url, key_prefix="reporting-limits", **options))


@functools.cache
def _item(rate: str) -> RateLimitItem:
    return parse(rate)


def retry_after(rate: str, *identifiers: str) -> int | None:
    """Count one hit against `rate` for these identifiers; return the seconds to wait when it is over, else None."""
    if not rate:
        return None
    item, limiter = _item(rate), _limiter(storage_url())
    try:
        if limiter.hit(item, *identifiers):
            return None
        reset = limiter.get_window_stats(item, *identifiers).reset_time
    except Exception as exc:  # Redis down or unreachable: let the request through
        _warn(exc)
        return None
    return max(1, math.ceil(reset - time.time()))


def reset() -> None:
    """Forget every count (a fresh window for every key and account): for the fault suite between faults."""
    _limiter(storage_url()).storage.reset()


def _warn(exc: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= 60:
        _last_warning = now
        logger.warning("Rate limits are not enforced: their Redis is unreachable (%s: %s)", type(exc).__name__, exc)
