"""`/healthz`: can this process reach its database and its broker, and write to report storage?"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from kombu import Connection

from reporting.services import storage


def _check(probe: Callable[[], None]) -> str:
    try:
        probe()
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def _ping_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _ping_broker() -> None:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)


def _check_storage() -> str:
    # In words ("Report storage is full"): an operator reads it before any log.
    problem = storage.probe()
    return "ok" if problem is None else f"error: {problem}"


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check(_ping_database), "broker": _check(_ping_broker), "storage": _check_storage()}
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)
