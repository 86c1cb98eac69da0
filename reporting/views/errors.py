"""The dashboard's and the admin's answer to an uncaught error (`handler500`)."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

from reporting.services import locks


def server_error(request: HttpRequest) -> HttpResponse:
    """A busy database gets a 503 page that asks to retry; anything else Django's plain 500 page.

    Django calls this while it handles the exception, so the exception is still at hand.
    """
    exc = sys.exc_info()[1]
    if exc is not None and locks.is_lock_timeout(exc):
        body = loader.render_to_string("busy.html", {"retry_after": locks.RETRY_AFTER})
        return HttpResponse(body, status=503, headers={"Retry-After": str(locks.RETRY_AFTER)})
    return defaults.server_error(request)
