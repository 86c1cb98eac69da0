from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from reporting import services
from reporting.forms import ParametersForm
from reporting.models import Door, Event, File, FileLink, Payout, ReportRun, ReportType, data_availability
from reporting.reports import REPORT_TYPES, get_report
from reporting.unixtime import MAX_TIMESTAMP, from_unix

from . import serializers
from .auth import ApiRequest, api_view, unrecognized
from .errors import StripeError, resource_missing
from .openapi import FILE_PURPOSES
from .pagination import PAGE_PARAMS, paginate
from .params import as_list, check_known, integer, string
from .rows import one
from .validation import form_error


def ok(data: dict[str, Any]) -> JsonResponse:
    return JsonResponse(data)


def check_expand(params: dict[str, Any], allowed: Collection[str]) -> set[str]:
    expand = as_list(params.get("expand", []))
    if not isinstance(expand, list) or not all(isinstance(e, str) for e in expand):
        raise StripeError("Invalid array: expand must be a list of strings", param="expand")
    for path in expand:
        if path not in allowed:
            raise StripeError(f"This property cannot be expanded ({path}).", param="expand")
    return set(expand)


def files_of(request: ApiRequest) -> QuerySet[File]:
    return File.objects.filter(account_id=request.account.pk, livemode=request.livemode)


def runs_of(request: ApiRequest) -> QuerySet[ReportRun]:
    return ReportRun.objects.for_mode(request.account, request.livemode).select_related("result")


def links_of(request: ApiRequest) -> QuerySet[FileLink]:
    return FileLink.objects.filter(account=request.account, livemode=request.livemode).select_related("file")


# Report runs


@api_view("GET", "POST")
def report_runs(request: ApiRequest) -> HttpResponseBase:
    if request.method == "POST":
        return create_report_run(request)
    check_known(request.params, PAGE_PARAMS)
    check_expand(request.params, {"data.result", "data.parameters", "data.result.links"})
    # The newest links of every file on the page in one query.
    runs = runs_of(request).prefetch_related(serializers.newest_links("result__links"))
    page, has_more = paginate(runs, request.params, kind="report run")
    data = [serializers.report_run_dict(request, run) for run in page]
    return ok(serializers.list_dict("/v1/reporting/report_runs", data, has_more))


def create_report_run(request: ApiRequest) -> HttpResponseBase:
    params = request.params
    check_known(params, ("report_type", "parameters", "expand"))
    check_expand(params, {"result", "parameters", "result.links"})
    if "report_type" not in params:
        raise StripeError("Missing required param: report_type.", code="parameter_missing", param="report_type")
    report_type_id = string(params["report_type"], "report_type")
    report = get_report(report_type_id)
    report_type = one(ReportType.objects.filter(pk=report_type_id))
    if report is None or report_type is None:
        raise StripeError(f"Invalid report_type: {report_type_id} is not a valid report type.", param="report_type")
    if report_type.live_only and not request.livemode:
        raise StripeError(f"The report type {report_type_id} requires a live-mode API key.", param="report_type")
    parameters = params.get("parameters", {})
    if not isinstance(parameters, dict):
        raise StripeError("Invalid object: parameters must be a hash.", param="parameters")
    if "columns" in parameters:
        parameters = {**parameters, "columns": as_list(parameters["columns"])}
    form = ParametersForm(
        parameters,
        report=report,
        availability=data_availability(request.account, request.livemode),
        payouts=Payout.objects.for_mode(request.account, request.livemode),
    )
    if not form.is_valid():
        raise form_error(form)
    run = services.request_report_run(
        account=request.account,
        livemode=request.livemode,
        report=report,
        parameters=form.parameters(),
        door=Door.API,
        api_key=request.api_key,
    )
    return ok(serializers.report_run_dict(request, run))


@api_view("GET")
def report_run(request: ApiRequest, run_id: str) -> HttpResponseBase:
    check_known(request.params, ("expand",))
    check_expand(request.params, {"result", "parameters", "result.links"})
    # No prefetch: for one file, file_dict's own LIMIT query is cheaper to build than the prefetch's window.
    run = one(runs_of(request).filter(pk=run_id))
    if run is None:
        raise resource_missing("report run", run_id)
    return ok(serializers.report_run_dict(request, run))


# Report types


def report_types_of(request: ApiRequest) -> QuerySet[ReportType]:
    # Live-only types exist only for live keys, as with Stripe's own catalogue.
    types = ReportType.objects.filter(id__in=list(REPORT_TYPES))
    return types if request.livemode else types.filter(live_only=False)


@api_view("GET")
def report_types(request: ApiRequest) -> HttpResponseBase:
    check_known(request.params, ("expand",))
    check_expand(request.params, ())
    availability = data_availability(request.account, request.livemode)
    data = [
        serializers.report_type_dict(t, livemode=request.livemode, availability=availability)
        for t in report_types_of(request)
    ]
    return ok(serializers.list_dict("/v1/reporting/report_types", data, False))


@api_view("GET")
def report_type(request: ApiRequest, type_id: str) -> HttpResponseBase:
    check_known(request.params, ("expand",))
    check_expand(request.params, ())
    found = one(ReportType.objects.filter(id__in=list(REPORT_TYPES), pk=type_id))
    if found is None:
        raise resource_missing("report type", type_id)
    if found.live_only and not request.livemode:
        raise StripeError(f"The report type {type_id} requires a live-mode API key.", param="report_type")
    availability = data_availability(request.account, request.livemode)
    return ok(serializers.report_type_dict(found, livemode=request.livemode, availability=availability))


# Files


@api_view("GET")
def files(request: ApiRequest) -> HttpResponseBase:
    check_known(request.params, (*PAGE_PARAMS, "purpose"))
    check_expand(request.params, {"data.links"})
    queryset = files_of(request).prefetch_related(serializers.newest_links())
    if "purpose" in request.params:
        purpose = string(request.params["purpose"], "purpose")
        if purpose not in FILE_PURPOSES:
            raise StripeError(f"Invalid purpose: must be one of {', '.join(FILE_PURPOSES)}", param="purpose")
        queryset = queryset.filter(purpose=purpose)
    page, has_more = paginate(queryset, request.params, kind="file upload")
    data = [serializers.file_dict(request, f) for f in page]
    return ok(serializers.list_dict("/v1/files", data, has_more))


def get_file(request: ApiRequest, file_id: str, param: str = "id") -> File:
    file = one(files_of(request).filter(pk=file_id))
    if file is None:
        raise resource_missing("file upload", file_id, param)
    return file


@api_view("GET")
def file(request: ApiRequest, file_id: str) -> HttpResponseBase:
    check_known(request.params, ("expand",))
    check_expand(request.params, {"links"})
    return ok(serializers.file_dict(request, get_file(request, file_id)))


@api_view("GET")
def file_contents(request: ApiRequest, file_id: str) -> HttpResponseBase:
    check_known(request.params, ())
    file = get_file(request, file_id)
    if file.is_expired:
        raise StripeError(
            f"The file {file_id} has expired and can no longer be downloaded.",
            status=404,
            code="resource_missing",
            param="id",
        )
    record_download(file, request=request)
    return FileResponse(file.open(), as_attachment=True, filename=file.filename, content_type="text/csv")


def record_download(file: File, *, request: ApiRequest | None, via_link: str = "") -> None:
    Event.record(
        Event.Action.FILE_DOWNLOADED,
        door=Door.API,
        account=file.account,
        livemode=file.livemode,
        api_key=request.api_key if request else None,
        object_id=file.id,
        **({"file_link": via_link} if via_link else {}),
    )


# File links


def expires_at_param(value: Any, param: str = "expires_at", *, allow_now: bool = False) -> datetime | None:
    if allow_now and value == "now":
        return timezone.now()
    if allow_now and value == "":
        return None
    moment = from_unix(integer(value, param, minimum=0, maximum=MAX_TIMESTAMP))
    if moment <= timezone.now():
        raise StripeError("Invalid expires_at: must be a timestamp in the future.", param=param)
    return moment


def metadata_param(value: Any, current: dict[str, str]) -> dict[str, str]:
    """Stripe's metadata update: keys merge, an empty value unsets a key, '' unsets all."""
    if value == "":
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise StripeError("Invalid object: metadata must be a hash of strings.", param="metadata")
    merged = {**current, **value}
    for key, item in value.items():
        if len(key) > 40 or len(item) > 500:
            raise StripeError(
                f"Invalid metadata[{key}]: keys may be 40 and values 500 characters long.", param=f"metadata[{key}]"
            )
        if item == "":
            merged.pop(key)
    if len(merged) > 50:
        raise StripeError("Invalid metadata: at most 50 keys.", param="metadata")
    return merged


@api_view("GET", "POST")
def file_links(request: ApiRequest) -> HttpResponseBase:
    params = request.params
    if request.method == "POST":
        check_known(params, ("file", "expires_at", "metadata", "expand"))
        expand = check_expand(params, {"file", "file.links"})
        if "file" not in params:
            raise StripeError("Missing required param: file.", code="parameter_missing", param="file")
        target = get_file(request, string(params["file"], "file"), param="file")
        if target.is_expired:
            raise StripeError(f"The file {target.id} has expired: no link can be created for it.", param="file")
        link = FileLink.objects.create(
            account=request.account,
            livemode=request.livemode,
            file=target,
            expires_at=expires_at_param(params["expires_at"]) if "expires_at" in params else None,
            metadata=metadata_param(params.get("metadata", {}), {}),
        )
        return ok(serializers.file_link_dict(request, link, expand_file=bool(expand & {"file", "file.links"})))
    check_known(params, (*PAGE_PARAMS, "expired", "file"))
    expand = check_expand(params, {"data.file", "data.file.links"})
    queryset = links_of(request)
    if expand:
        queryset = queryset.prefetch_related(serializers.newest_links("file__links"))
    if "file" in params:
        queryset = queryset.filter(file_id=string(params["file"], "file"))
    if "expired" in params:
        if params["expired"] not in ("true", "false"):
            raise StripeError("Invalid boolean: expired must be true or false.", param="expired")
        now = timezone.now()
        expired = queryset.filter(expires_at__lte=now)
        queryset = expired if params["expired"] == "true" else queryset.exclude(pk__in=expired.values("pk"))
    page, has_more = paginate(queryset, params, kind="file link")
    data = [
        serializers.file_link_dict(request, link, expand_file=bool(expand & {"data.file", "data.file.links"}))
        for link in page
    ]
    return ok(serializers.list_dict("/v1/file_links", data, has_more))


@api_view("GET", "POST")
def file_link(request: ApiRequest, link_id: str) -> HttpResponseBase:
    link = one(links_of(request).filter(pk=link_id))
    if link is None:
        raise resource_missing("file link", link_id)
    params = request.params
    if request.method == "POST":
        check_known(params, ("expires_at", "metadata", "expand"))
        expand = check_expand(params, {"file", "file.links"})
        if link.expired:
            raise StripeError("This file link has expired and can no longer be updated.", param="id")
        if "expires_at" in params:
            link.expires_at = expires_at_param(params["expires_at"], allow_now=True)
        if "metadata" in params:
            link.metadata = metadata_param(params["metadata"], link.metadata)
        link.save(update_fields=["expires_at", "metadata"])
    else:
        check_known(params, ("expand",))
        expand = check_expand(params, {"file", "file.links"})
    return ok(serializers.file_link_dict(request, link, expand_file=bool(expand & {"file", "file.links"})))


@api_view("GET", auth=False)
def public_link(request: ApiRequest, token: str) -> HttpResponseBase:
    """Serve a file link's bytes without a key, until the link or the file expires."""
    link = one(FileLink.objects.select_related("file", "file__account").filter(token=token))
    if link is None or link.expired or link.file.is_expired:
        raise StripeError("This link does not exist or has expired.", status=404, code="resource_missing")
    record_download(link.file, request=None, via_link=link.id)
    return FileResponse(link.file.open(), as_attachment=True, filename=link.file.filename, content_type="text/csv")


@api_view("GET", "POST", "DELETE", "PUT", "PATCH", auth=False)
def not_found(request: ApiRequest, path: str = "") -> HttpResponseBase:
    raise unrecognized(request)
