"""Files: list, retrieve, download."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import JsonResponse
from django.http.response import HttpResponseBase

from reporting import services
from reporting.api import serializers
from reporting.api.auth import ApiRequest, api_view, check
from reporting.api.errors import StripeError, resource_missing
from reporting.api.operations import DOWNLOAD_FILE, LIST_FILES, RETRIEVE_FILE
from reporting.api.pagination import paginate
from reporting.api.params import string
from reporting.api.rows import one
from reporting.api.schemas import FILE_PURPOSES
from reporting.models import File


def files_of(request: ApiRequest) -> QuerySet[File]:
    return File.objects.filter(account_id=request.account.pk, livemode=request.livemode)


@api_view(LIST_FILES)
def files(request: ApiRequest) -> HttpResponseBase:
    check(request)
    queryset = files_of(request).prefetch_related(serializers.newest_links())
    if "purpose" in request.params:
        purpose = string(request.params["purpose"], "purpose")
        if purpose not in FILE_PURPOSES:
            raise StripeError(f"Invalid purpose: must be one of {', '.join(FILE_PURPOSES)}", param="purpose")
        queryset = queryset.filter(purpose=purpose)
    page, has_more = paginate(queryset, request.params, kind="file upload")
    data = [serializers.file_dict(request, f) for f in page]
    return JsonResponse(serializers.list_dict("/v1/files", data, has_more))


def get_file(request: ApiRequest, file_id: str, param: str = "id") -> File:
    file = one(files_of(request).filter(pk=file_id))
    if file is None:
        raise resource_missing("file upload", file_id, param)
    return file


@api_view(RETRIEVE_FILE)
def file(request: ApiRequest, file_id: str) -> HttpResponseBase:
    check(request)
    return JsonResponse(serializers.file_dict(request, get_file(request, file_id)))


@api_view(DOWNLOAD_FILE)
def file_contents(request: ApiRequest, file_id: str) -> HttpResponseBase:
    check(request)
    file = get_file(request, file_id)
    try:
        return services.download(services.Caller.for_key(request.api_key), file)
    except services.FileUnavailable as exc:
        raise StripeError(str(exc), status=404, code="resource_missing", param="id") from None
