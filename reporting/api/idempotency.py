"""Idempotency-Key on POST: replay the first response, refuse a different request, serialise twins."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from reporting import crypto
from reporting.models import IdempotencyKey

from .errors import StripeError

if TYPE_CHECKING:
    from .auth import ApiRequest

# An in-flight key older than this belongs to a request that died; it may be taken over.
IN_FLIGHT_TIMEOUT = timedelta(minutes=1)


def fingerprint(request: ApiRequest) -> str:
    body = json.dumps({"method": request.method, "path": request.path, "params": request.params}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def run(request: ApiRequest, key: str, call: Callable[[], HttpResponseBase]) -> HttpResponseBase:
    """Run `call` once per (account, mode, key); repeats get the stored response."""
    if len(key) > 255:
        raise StripeError("Idempotency-Key must be at most 255 characters.", param="Idempotency-Key")
    scope = {"account": request.account, "livemode": request.livemode, "key": key}
    request_hash = fingerprint(request)
    IdempotencyKey.objects.expired().filter(**scope).delete()
    try:
        # Committed on its own, so a concurrent twin sees it at once and gets a 409.
        with transaction.atomic():
            record = IdempotencyKey.objects.create(**scope, request_hash=request_hash)
    except IntegrityError:
        return _existing(scope, key, request_hash, call)
    return _execute(record, call)


def _existing(
    scope: dict[str, object], key: str, request_hash: str, call: Callable[[], HttpResponseBase]
) -> HttpResponseBase:
    record = IdempotencyKey.objects.filter(**scope).first()
    if record is None:  # purged between our insert and this read
        raise StripeError("Please retry this request.", status=409, type="idempotency_error")
    if record.request_hash != request_hash:
        raise StripeError(
            "Keys for idempotent requests can only be used with the same parameters they were first used with. "
            f"Try using a key other than '{key}' if you meant to execute a different request.",
            type="idempotency_error",
        )
    if record.response_status is None:
        stale = record.created < timezone.now() - IN_FLIGHT_TIMEOUT
        taken = stale and IdempotencyKey.objects.filter(
            pk=record.pk, response_status__isnull=True, created=record.created
        ).update(created=timezone.now())
        if not taken:
            raise StripeError(
                "There is currently another in-progress request using this Idempotency Key "
                f"(that probably means you submitted twice, and the other request is still going through): {key}. "
                "Please try again later.",
                status=409,
                type="idempotency_error",
            )
        return _execute(record, call)
    response = HttpResponse(
        _stored(record.response_body), status=record.response_status, content_type="application/json"
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _execute(record: IdempotencyKey, call: Callable[[], HttpResponseBase]) -> HttpResponseBase:
    try:
        return _respond(record, call)
    except Exception:
        # Nothing was saved (a busy database, a crash): free the key, so that the client's
        # retry runs the request instead of waiting out IN_FLIGHT_TIMEOUT behind a 409.
        with contextlib.suppress(DatabaseError):
            IdempotencyKey.objects.filter(pk=record.pk, response_status__isnull=True).delete()
        raise


def _respond(record: IdempotencyKey, call: Callable[[], HttpResponseBase]) -> HttpResponseBase:
    with transaction.atomic():
        response = call()
        if response.status_code == 400:
            # Like Stripe: a request refused by validation is not saved; the key may be reused.
            record.delete()
        else:
            # Saved in the same transaction as the run it created: both or neither.
            IdempotencyKey.objects.filter(pk=record.pk).update(
                response_status=response.status_code, response_body=_body(response)
            )
    return response


# A stored body that holds a secret (a new webhook endpoint's) is kept encrypted, marked so.
SEALED = "sealed:"


def _body(response: HttpResponseBase) -> str:
    # Only JSON responses pass through here (POST endpoints never stream).
    body = response.content.decode() if isinstance(response, HttpResponse) else ""
    return SEALED + crypto.encrypt(body) if getattr(response, "holds_secret", False) else body


def _stored(body: str) -> str:
    return crypto.decrypt(body.removeprefix(SEALED)) if body.startswith(SEALED) else body


def purge() -> int:
    """Forget keys older than Stripe's 24 hours."""
    return IdempotencyKey.objects.expired().delete()[0]
