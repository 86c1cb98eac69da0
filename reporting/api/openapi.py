"""The OpenAPI 3 description of the API, served at /v1/openapi.json (filled in below)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse


def schema() -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": "reporting", "version": "2020-08-27"}, "paths": {}}


def schema_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(schema())
