"""The API's front door: keys, request ids, body parsing and errors for every /v1 view."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from reporting.db import ACCOUNT_COLUMNS, Columns, build_row
from reporting.ids import random_id
from reporting.models import Account, ApiKey, digest_secret

from . import idempotency
from .errors import StripeError
from .params import parse

logger = logging.getLogger(__name__)

NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, "
    "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). "
    "See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."
)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class ApiRequest(HttpRequest):
    api_key: ApiKey
    account: Account
    livemode: bool
    params: dict[str, Any]
    # Rows of the view's KeyQuery, read in the key's own query (api_view(joined=...)).
    joined: list[tuple[Model | None, ...]]


KEY_COLUMNS = Columns(ApiKey, "k")


@dataclass
class KeyQuery:
    """What a view reads in the same query as the API key: one round trip for the whole request.

    `joins` may use the aliases k (the key) and a (its account) and has the view's
    parameters (`params` of the URL's keyword arguments); `tail` (ORDER BY, LIMIT)
    has none. The query answers no row for an unknown key, else one row or more,
    each with the key, its account and the joined instances (None where a LEFT
    JOIN found nothing).
    """

    columns: Sequence[Columns[Any]] = ()
    joins: str = ""
    tail: str = ""
    params: Callable[[dict[str, Any]], list[Any]] = lambda kwargs: []
    _sql: dict[str, str] = field(default_factory=dict, repr=False)

    def sql(self, conn: BaseDatabaseWrapper) -> str:
        found = self._sql.get(conn.alias)
        if found is None:
            q = conn.ops.quote_name
            tables: list[Columns[Any]] = [KEY_COLUMNS, ACCOUNT_COLUMNS, *self.columns]
            select = ", ".join(c.select(conn) for c in tables)
            found = (
                f"SELECT {select} FROM {q(ApiKey._meta.db_table)} {q('k')} "
                f"INNER JOIN {q(Account._meta.db_table)} {q('a')} ON {q('a')}.{q('id')} = {q('k')}.{q('account_id')} "
                f"{self.joins} WHERE {q('k')}.{q('digest')} = %s {self.tail}"
            )
            self._sql[conn.alias] = found
        return found

    def fetch(self, digest: str, kwargs: dict[str, Any]) -> tuple[ApiKey | None, list[tuple[Model | None, ...]]]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql(connection), [*self.params(kwargs), digest])
            rows = cursor.fetchall()
        if not rows:
            return None, []
        tables: list[Columns[Any]] = [KEY_COLUMNS, ACCOUNT_COLUMNS, *self.columns]
        built = [build_row(connection, row, tables) for row in rows]
        key, key.account = built[0][:2]
        return key, [tuple(instances[2:]) for instances in built]


KEY_ONLY = KeyQuery()


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


def authenticate(
    request: HttpRequest, query: KeyQuery = KEY_ONLY, kwargs: dict[str, Any] | None = None
) -> tuple[ApiKey, list[tuple[Model | None, ...]]]:
    """Return the request's active key (its account loaded) and the rows `query` joined to it.

    Every request reads its key from the database, so a revoked key fails on the
    very next request: no cache to go stale.
    """
    secret = secret_from(request)
    if secret is None:
        if request.headers.get("Authorization"):
            raise StripeError("Invalid API Key provided: the Authorization header is malformed.", status=401)
        raise StripeError(NO_KEY, status=401)
    key, joined = query.fetch(digest_secret(secret), kwargs or {})
    if key is None:
        raise StripeError(f"Invalid API Key provided: {masked(secret)}", status=401)
    if not key.is_active:
        raise StripeError(f"Expired API Key provided: {masked(secret)}", status=401, code="api_key_expired")
    key.touch()  # writes at most once a minute per key
    return key, joined


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


def api_view(*methods: str, auth: bool = True, joined: KeyQuery = KEY_ONLY) -> Callable[[View], View]:
    """Wrap a /v1 view: method check, key, parsed params, idempotency, Stripe errors, Request-Id.

    `joined` reads what the view needs in the key's own query (request.joined).
    """

    def decorate(view: View) -> View:
        @csrf_exempt  # keys, not cookies, authenticate the API
        @wraps(view)
        def wrapper(request: ApiRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response: HttpResponseBase
            try:
                if request.method not in methods:
                    raise unrecognized(request)
                if any("\x00" in str(value) for value in kwargs.values()):
                    raise unrecognized(request)  # no id holds a NUL character
                if auth:
                    request.api_key, request.joined = authenticate(request, joined, kwargs)
                    request.account, request.livemode = request.api_key.account, request.api_key.livemode
                request.params = parse_params(request)
                key = request.headers.get("Idempotency-Key")
                if auth and request.method == "POST" and key:
                    response = idempotency.run(request, key, lambda: _call(view, request, args, kwargs))
                else:
                    response = _call(view, request, args, kwargs)
            except StripeError as error:
                response = error.response()
            except Exception:
                # Stripe clients parse errors as JSON, so even a crash answers in the envelope.
                logger.exception("API request %s %s failed", request.method, request.path)
                response = StripeError("An unexpected error occurred.", status=500, type="api_error").response()
            response["Request-Id"] = random_id("req_", 14)
            if version := request.headers.get("Stripe-Version"):
                response["Stripe-Version"] = version
            return response

        return wrapper

    return decorate


def _call(view: View, request: ApiRequest, args: Any, kwargs: Any) -> HttpResponseBase:
    try:
        return view(request, *args, **kwargs)
    except StripeError as error:
        return error.response()
