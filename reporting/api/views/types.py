"""Report types: list, retrieve."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import JsonResponse
from django.http.response import HttpResponseBase

from reporting.api import serializers
from reporting.api.auth import ApiRequest, api_view, check
from reporting.api.errors import StripeError, resource_missing
from reporting.api.operations import LIST_REPORT_TYPES, RETRIEVE_REPORT_TYPE
from reporting.api.rows import one
from reporting.models import ReportType, data_availability
from reporting.reports import REPORT_TYPES
from reporting.services.runs import live_only_message


def report_types_of(request: ApiRequest) -> QuerySet[ReportType]:
    # Live-only types exist only for live keys, as with Stripe's own catalogue.
    types = ReportType.objects.filter(id__in=list(REPORT_TYPES))
    return types if request.livemode else types.filter(live_only=False)


@api_view(LIST_REPORT_TYPES)
def report_types(request: ApiRequest) -> HttpResponseBase:
    check(request)
    availability = data_availability(request.account, request.livemode)
    data = [
        serializers.report_type_dict(t, livemode=request.livemode, availability=availability)
        for t in report_types_of(request)
    ]
    return JsonResponse(serializers.list_dict("/v1/reporting/report_types", data, False))


@api_view(RETRIEVE_REPORT_TYPE)
def report_type(request: ApiRequest, type_id: str) -> HttpResponseBase:
    check(request)
    found = one(ReportType.objects.filter(id__in=list(REPORT_TYPES), pk=type_id))
    if found is None:
        raise resource_missing("report type", type_id)
    if found.live_only and not request.livemode:
        raise StripeError(live_only_message(type_id), param="report_type")
    availability = data_availability(request.account, request.livemode)
    return JsonResponse(serializers.report_type_dict(found, livemode=request.livemode, availability=availability))
