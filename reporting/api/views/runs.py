"""Report runs: list, create, retrieve."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import JsonResponse
from django.http.response import HttpResponseBase

from reporting import services
from reporting.api import serializers
from reporting.api.auth import ApiRequest, api_view, check
from reporting.api.errors import StripeError, resource_missing
from reporting.api.operations import CREATE_REPORT_RUN, LIST_REPORT_RUNS, RETRIEVE_REPORT_RUN
from reporting.api.pagination import paginate
from reporting.api.params import as_list, string
from reporting.api.rows import one
from reporting.api.validation import refusal_error
from reporting.models import ReportRun


def runs_of(request: ApiRequest) -> QuerySet[ReportRun]:
    return ReportRun.objects.for_mode(request.account, request.livemode).select_related("result")


@api_view(LIST_REPORT_RUNS, CREATE_REPORT_RUN)
def report_runs(request: ApiRequest) -> HttpResponseBase:
    check(request)
    if request.method == "POST":
        return create_report_run(request)
    # The newest links of every file on the page in one query.
    runs = runs_of(request).prefetch_related(serializers.newest_links("result__links"))
    page, has_more = paginate(runs, request.params, kind="report run")
    data = [serializers.report_run_dict(request, run) for run in page]
    return JsonResponse(serializers.list_dict("/v1/reporting/report_runs", data, has_more))


def create_report_run(request: ApiRequest) -> HttpResponseBase:
    params = request.params
    if "report_type" not in params:
        raise StripeError("Missing required param: report_type.", code="parameter_missing", param="report_type")
    report_type_id = string(params["report_type"], "report_type")
    parameters = params.get("parameters", {})
    if not isinstance(parameters, dict):
        raise StripeError("Invalid object: parameters must be a hash.", param="parameters")
    if "columns" in parameters:
        parameters = {**parameters, "columns": as_list(parameters["columns"])}
    try:
        run = services.request_run(
            services.Caller.for_key(request.api_key), report_type_id=report_type_id, parameters=parameters
        )
    except services.RunRequestError as refusal:
        raise refusal_error(refusal) from None
    return JsonResponse(serializers.report_run_dict(request, run))


@api_view(RETRIEVE_REPORT_RUN)
def report_run(request: ApiRequest, run_id: str) -> HttpResponseBase:
    check(request)
    # No prefetch: for one file, file_dict's own LIMIT query is cheaper to build than the prefetch's window.
    run = one(runs_of(request).filter(pk=run_id))
    if run is None:
        raise resource_missing("report run", run_id)
    return JsonResponse(serializers.report_run_dict(request, run))
