"""The API's front door: keys, request ids, body parsing and errors for every /v1 view."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable, Collection
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from reporting.ids import random_id
from reporting.models import Account, ApiKey
from reporting.services import limits, locks

from . import idempotency
from .errors import StripeError, lock_timeout, rate_limited
from .operations import Operation
from .params import parse
from .rows import one

logger = logging.getLogger(__name__)

NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, "
    "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). "
    "See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."
)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Stripe's own wording for its rate limiter's 429.
TOO_MANY_REQUESTS = "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests."


class ApiRequest(HttpRequest):
    api_key: ApiKey
    account: Account
    livemode: bool
    params: dict[str, Any]
    operation: Operation


View = Callable[..., HttpResponseBase]


def masked(secret: str) -> str:
    prefix = secret[:8] if secret.startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")) else ""
    return f"{prefix}{'*' * max(4, len(secret) - len(prefix) - 4)}{secret[-4:]}"


def secret_from(request: HttpRequest) -> str | None:
    """Read the key from `Authorization: Bearer sk_…` or HTTP Basic with the key as user name."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[0] or None
    return None


def authenticate(request: HttpRequest) -> ApiKey:
    """Return the request's active key, its account loaded.

    Every request reads its key from the database, so a revoked key fails on the
    very next request: no cache to go stale.
    """
    secret = secret_from(request)
    if secret is None:
        if request.headers.get("Authorization"):
            raise StripeError("Invalid API Key provided: the Authorization header is malformed.", status=401)
        raise StripeError(NO_KEY, status=401)
    key = one(ApiKey.objects.for_secret(secret))
    if key is None:
        raise StripeError(f"Invalid API Key provided: {masked(secret)}", status=401)
    if not key.is_active:
        raise StripeError(f"Expired API Key provided: {masked(secret)}", status=401, code="api_key_expired")
    key.touch()  # writes at most once a minute per key
    return key


def throttle(key: ApiKey) -> None:
    """Refuse a request past its key's or its account's rate with Stripe's 429 `rate_limit` (services.limits)."""
    for rate, scope, name in (
        (settings.API_RATE_LIMIT_PER_KEY, "api-key", str(key.pk)),
        (settings.API_RATE_LIMIT_PER_ACCOUNT, "api-account", key.account_id),
    ):
        wait = limits.retry_after(rate, scope, name)
        if wait is not None:
            raise rate_limited(TOO_MANY_REQUESTS, wait)


def parse_params(request: HttpRequest) -> dict[str, Any]:
    if request.method != "POST":
        return parse(request.GET.lists())
    content_type = request.content_type or ""
    if request.body and content_type not in FORM_TYPES:
        raise StripeError(
            f"Invalid request: unsupported Content-Type {content_type}. "
            "If error persists and you need assistance, please contact support@stripe.com."
        )
    try:
        return parse(request.POST.lists())
    except StripeError:
        raise
    except Exception as exc:  # malformed body: bad encoding, too many fields, broken multipart
        raise StripeError(f"Invalid request body: {type(exc).__name__}") from exc


def unrecognized(request: HttpRequest) -> StripeError:
    return StripeError(
        f"Unrecognized request URL ({request.method}: {request.path}). "
        "Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
        status=404,
    )


def api_view(*operations: Operation, methods: Collection[str] = ()) -> Callable[[View], View]:
    """Wrap a /v1 view serving `operations`: method check, key, parsed params, idempotency, Stripe errors, Request-Id.

    The view finds the operation of the request's method in request.operation, and
    calls check() to refuse what that operation does not declare. A key is needed
    unless every operation is public; `methods` are taken without an operation
    (the catch-all, which takes no key).
    """
    by_method = {operation.method: operation for operation in operations}
    allowed = {*by_method, *methods}
    auth = not all(operation.public for operation in operations)

    def decorate(view: View) -> View:
        @csrf_exempt  # keys, not cookies, authenticate the API
        @wraps(view)
        def wrapper(request: ApiRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response: HttpResponseBase
            try:
                if request.method not in allowed:
                    raise unrecognized(request)
                if any("\x00" in str(value) for value in kwargs.values()):
                    raise unrecognized(request)  # no id holds a NUL character
                if auth:
                    request.api_key = authenticate(request)
                    request.account, request.livemode = request.api_key.account, request.api_key.livemode
                    throttle(request.api_key)
                if request.method in by_method:
                    request.operation = by_method[request.method]
                request.params = parse_params(request)
                key = request.headers.get("Idempotency-Key")
                if auth and request.method == "POST" and key:
                    response = idempotency.run(request, key, lambda: _call(view, request, args, kwargs))
                else:
                    response = _call(view, request, args, kwargs)
            except StripeError as error:
                response = error.response()
            except Exception as exc:
                if locks.is_lock_timeout(exc):
                    # The database stayed busy past its timeout: nothing failed, the client may retry.
                    logger.warning("API request %s %s: database busy (%s)", request.method, request.path, exc)
                    response = lock_timeout().response()
                else:
                    # Stripe clients parse errors as JSON, so even a crash answers in the envelope.
                    logger.exception("API request %s %s failed", request.method, request.path)
                    response = StripeError("An unexpected error occurred.", status=500, type="api_error").response()
            response["Request-Id"] = random_id("req_", 14)
            # As Stripe's API: nothing is cached. Link objects carry their token, files their bytes.
            response["Cache-Control"] = "no-cache, no-store"
            if version := request.headers.get("Stripe-Version"):
                response["Stripe-Version"] = version
            return response

        return wrapper

    return decorate


def check(request: ApiRequest) -> set[str]:
    """Refuse a parameter or expand path the request's operation does not declare; return the paths to expand."""
    return request.operation.check(request.params)


def _call(view: View, request: ApiRequest, args: Any, kwargs: Any) -> HttpResponseBase:
    try:
        return view(request, *args, **kwargs)
    except StripeError as error:
        return error.response()
