"""The signed-in user's time zone and language, for every page: dashboard and admin alike.

Times show in the user's own zone (Django's documented time zone middleware).
The language decides how numbers and dates are written: the user's choice in
account settings, else the browser's (Django's LocaleMiddleware, which runs
before this and has read Accept-Language), else LANGUAGE_CODE. The API
(/v1/) always speaks LANGUAGE_CODE: its messages are Stripe's wording, which
clients match on.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from reporting.l10n import supported_language

API_PREFIX = "/v1/"


class UserLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        zone = getattr(user, "timezone", "") if signed_in else ""
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        else:
            timezone.deactivate()
        if request.path_info.startswith(API_PREFIX):
            language: str | None = settings.LANGUAGE_CODE
        else:
            language = supported_language(getattr(user, "language", "") if signed_in else "")
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
