"""The /v1 views, one module per resource; here the answer for any other path."""

from __future__ import annotations

from django.http.response import HttpResponseBase

from reporting.api.auth import ApiRequest, api_view, unrecognized


@api_view(methods=("GET", "POST", "DELETE", "PUT", "PATCH"))
def not_found(request: ApiRequest, path: str = "") -> HttpResponseBase:
    raise unrecognized(request)
