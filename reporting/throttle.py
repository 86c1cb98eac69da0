"""Login throttling with django-axes (config/settings.py): the client's address, the lockout page, the reset.

Axes counts failed logins on every door that calls authenticate() with a request:
the dashboard's /accounts/login/ and the admin's /admin/login/.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def client_ip(request: HttpRequest) -> str:
    """The address the login came from: `DJANGO_PROXY_COUNT` entries from the right of X-Forwarded-For.

    Each trusted proxy appends the address it received the request from, so the
    entry that many places from the right was written by our outermost proxy;
    anything left of it is whatever the client sent. Without proxies (the
    default), the socket's address: a client cannot choose it.
    """
    count = int(settings.PROXY_COUNT)
    header = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    if count and forwarded:
        return forwarded[-min(count, len(forwarded))]
    return str(request.META.get("REMOTE_ADDR", ""))


class LoginFailureHandler(AxesDatabaseHandler):  # type: ignore[misc]  # axes has no type hints
    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """On success, forget this user's failures from this address, and only those.

        Axes' own reset deletes every failure of the user name OR the address: anyone
        with an account of their own could then log in between guesses at someone
        else's password and never reach the limit.
        """
        count: int
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        ).delete()
        return count


def locked_out(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """429 with the login page's look, saying how long to wait (also in Retry-After)."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    response = TemplateResponse(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response.render()
