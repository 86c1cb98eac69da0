"""File links: list, create, retrieve, update, and the public download they lead to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import JsonResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from reporting import services
from reporting.api import serializers
from reporting.api.auth import ApiRequest, api_view, check
from reporting.api.errors import StripeError, resource_missing
from reporting.api.operations import (
    CREATE_FILE_LINK,
    DOWNLOAD_LINK,
    LIST_FILE_LINKS,
    RETRIEVE_FILE_LINK,
    UPDATE_FILE_LINK,
)
from reporting.api.pagination import paginate
from reporting.api.params import integer, string
from reporting.api.rows import one
from reporting.models import Door, FileLink
from reporting.unixtime import MAX_TIMESTAMP, from_unix

from .files import get_file


def links_of(request: ApiRequest) -> QuerySet[FileLink]:
    return FileLink.objects.filter(account=request.account, livemode=request.livemode).select_related("file")


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


@api_view(LIST_FILE_LINKS, CREATE_FILE_LINK)
def file_links(request: ApiRequest) -> HttpResponseBase:
    params = request.params
    expand = check(request)
    if request.method == "POST":
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
        return JsonResponse(serializers.file_link_dict(request, link, expand_file=bool(expand)))
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
    data = [serializers.file_link_dict(request, link, expand_file=bool(expand)) for link in page]
    return JsonResponse(serializers.list_dict("/v1/file_links", data, has_more))


@api_view(RETRIEVE_FILE_LINK, UPDATE_FILE_LINK)
def file_link(request: ApiRequest, link_id: str) -> HttpResponseBase:
    link = one(links_of(request).filter(pk=link_id))
    if link is None:
        raise resource_missing("file link", link_id)
    params = request.params
    expand = check(request)
    if request.method == "POST":
        if link.expired:
            raise StripeError("This file link has expired and can no longer be updated.", param="id")
        if "expires_at" in params:
            link.expires_at = expires_at_param(params["expires_at"], allow_now=True)
        if "metadata" in params:
            link.metadata = metadata_param(params["metadata"], link.metadata)
        link.save(update_fields=["expires_at", "metadata"])
    return JsonResponse(serializers.file_link_dict(request, link, expand_file=bool(expand)))


@api_view(DOWNLOAD_LINK)
def public_link(request: ApiRequest, token: str) -> HttpResponseBase:
    """Serve a file link's bytes without a key, until the link or the file expires."""
    link = one(FileLink.objects.select_related("file", "file__account").filter(token=token))
    if link is None:
        raise StripeError(LINK_GONE, status=404, code="resource_missing")
    caller = services.Caller(link.file.account, link.file.livemode, Door.API)
    try:
        return services.download(caller, link.file, link=link)
    except services.FileUnavailable:
        raise StripeError(LINK_GONE, status=404, code="resource_missing") from None


LINK_GONE = "This link does not exist or has expired."
