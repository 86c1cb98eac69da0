"""Secrets stay out of logs: API secrets, webhook signing secrets, file-link tokens, credentials and session cookies are masked.

`install()` wraps the log record factory, so a record is cleaned when it is made,
before any handler (console, file, Sentry, pytest's capture) sees it: a handler an
operator adds later cannot bring the secret back. Every process installs it: Django
through LOGGING_CONFIG (web, commands, tests), Celery in config/celery.py (worker,
beat), gunicorn through its logger class (config/access_log.py).

Passwords have no shape to recognise; they stay out because nothing logs a request
body or the credentials passed to authenticate().
"""

from __future__ import annotations

import logging
import logging.config
import re
from typing import Any

MASK = "[redacted]"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # An API secret keeps its mode and last four characters, as the admin shows a key.
    (re.compile(r"(?<![A-Za-z0-9])([sr]k_(?:test|live)_)[A-Za-z0-9]{4,}([A-Za-z0-9]{4})(?![A-Za-z0-9])"), r"\1…\2"),
    # A webhook endpoint's signing secret, whole: its last characters say nothing anyone needs.
    (re.compile(r"(?<![A-Za-z0-9])whsec_[A-Za-z0-9]+"), "whsec_" + MASK),
    # A file link's URL is the capability itself: /links/<token>.
    (re.compile(r"(/links/)[^/?#\s\"']+"), r"\1" + MASK),
    # Credentials and cookies, should a header ever be written out.
    (re.compile(r"\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{8,}", re.IGNORECASE), r"\1 " + MASK),
    (re.compile(r"\b(sessionid|csrftoken)=[^;,\s\"']+", re.IGNORECASE), r"\1=" + MASK),
)


# One quick look first: most messages hold none of these, and then cost one scan.
_MAYBE = re.compile(r"k_(?:test|live)_|whsec_|/links/|basic|bearer|sessionid|csrftoken", re.IGNORECASE)


def redact(text: str) -> str:
    if not _MAYBE.search(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _clean(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to the handler to report as usual
        return
    cleaned = redact(message)
    if cleaned != message:
        # Only a record that held a secret loses its template (msg, args).
        record.msg, record.args = cleaned, None
    if record.exc_info and not record.exc_text:
        # An exception's text can hold a secret (a URL, a query's parameters): if so, it is
        # formatted now, cleaned; otherwise the handler's formatter does it as usual.
        text = logging.Formatter().formatException(record.exc_info)
        if (cleaned := redact(text)) != text:
            record.exc_text = cleaned
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install() -> None:
    """Clean every log record this process makes from now on (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _clean(record)
        return record

    factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def configure_logging(config: dict[str, Any]) -> None:
    """Django's LOGGING_CONFIG: redaction first, then the LOGGING dict as usual."""
    install()
    logging.config.dictConfig(config)
