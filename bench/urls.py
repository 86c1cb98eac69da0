"""The product's URLs plus one bench-only view: the baseline for the API's by-id endpoint."""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.urls import include, path

from reporting.models import ReportRun

FIELDS = ("id", "status", "report_type_id", "parameters", "created", "livemode", "row_count")


def bare(request: HttpRequest, pk: str) -> JsonResponse:
    """One row by primary key as JSON: no authentication, no serializer, one query."""
    row = ReportRun.objects.filter(pk=pk).values(*FIELDS).first()
    if row is None:
        raise Http404
    return JsonResponse(row)


urlpatterns = [
    path("bench/bare/<str:pk>", bare),
    path("", include("config.urls")),
]
