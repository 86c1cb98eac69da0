"""Plain functions that give each object exactly Stripe's shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse

from reporting.models import ApiEvent, File, FileLink, ReportRun, ReportType, WebhookEndpoint

JSON = dict[str, Any]
# The version our objects are rendered in (Stripe's description of them is dated so).
API_VERSION = "2020-08-27"
# A file shows its newest links, this many, and whether it has more.
FILE_LINKS_SHOWN = 10
NEWEST_FIRST = ("-created", "-id")


def unix(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def absolute(request: HttpRequest | None, path: str) -> str:
    """Stripe clients fetch file URLs as given, so they must be absolute.

    Without a request (an event rendered by a worker) the origin is PUBLIC_URL, or
    there is none: then the URL is the path.
    """
    origin: str = settings.PUBLIC_URL
    if origin:
        return origin.rstrip("/") + path
    return path if request is None else str(request.build_absolute_uri(path))


def newest_links(lookup: str = "links") -> Prefetch[str, QuerySet[FileLink], str]:
    """Prefetch the newest links of files, one more than file_dict shows so it can tell has_more.

    `lookup` leads to the files' links from the queryset's model (`result__links` from runs).
    """
    newest = FileLink.objects.order_by(*NEWEST_FIRST)[: FILE_LINKS_SHOWN + 1]
    return Prefetch(lookup, queryset=newest, to_attr="newest_links")


def file_link_dict(request: HttpRequest | None, link: FileLink, *, expand_file: bool = False) -> JSON:
    return {
        "id": link.id,
        "object": "file_link",
        "created": unix(link.created),
        "expired": link.expired,
        "expires_at": unix(link.expires_at),
        "file": file_dict(request, link.file) if expand_file else link.file_id,
        "livemode": link.livemode,
        "metadata": link.metadata,
        "url": None if link.expired else absolute(request, reverse("api:public-link", args=[link.token])),
    }


def file_dict(request: HttpRequest | None, file: File) -> JSON:
    """Shape a file with its newest links (loaded by newest_links, or read here)."""
    links: list[FileLink] | None = getattr(file, "newest_links", None)
    if links is None:
        links = list(file.links.order_by(*NEWEST_FIRST)[: FILE_LINKS_SHOWN + 1])
    return {
        "id": file.id,
        "object": "file",
        "created": unix(file.created),
        "expires_at": unix(file.expires_at),
        "filename": file.filename,
        "links": {
            "object": "list",
            "data": [file_link_dict(request, link) for link in links[:FILE_LINKS_SHOWN]],
            "has_more": len(links) > FILE_LINKS_SHOWN,
            "url": f"/v1/file_links?file={file.id}",
        },
        "purpose": file.purpose,
        "size": file.size,
        "title": None,
        "type": file.type,
        "url": absolute(request, reverse("api:file-contents", args=[file.id])),
    }


def report_run_dict(request: HttpRequest | None, run: ReportRun) -> JSON:
    return {
        "id": run.id,
        "object": "reporting.report_run",
        "created": unix(run.created),
        "error": run.error or None,
        "livemode": run.livemode,
        "parameters": run.parameters,
        "report_type": run.report_type_id,
        "result": file_dict(request, run.result) if run.result else None,
        "status": run.status,
        "succeeded_at": unix(run.succeeded_at),
    }


def report_type_dict(report_type: ReportType, *, livemode: bool, availability: tuple[datetime, datetime]) -> JSON:
    start, end = availability
    return {
        "id": report_type.id,
        "object": "reporting.report_type",
        "data_available_end": unix(end),
        "data_available_start": unix(start),
        "default_columns": report_type.default_columns,
        "livemode": livemode,
        "name": report_type.name,
        "updated": max(unix(report_type.updated) or 0, unix(end) or 0),
        "version": report_type.version,
    }


def event_dict(event: ApiEvent, *, pending_webhooks: int) -> JSON:
    """Stripe's event: `data` as stored when it happened; `request` is null, for ours all come from workers."""
    return {
        "id": event.id,
        "object": "event",
        "api_version": event.api_version,
        "created": unix(event.created),
        "data": event.data,
        "livemode": event.livemode,
        "pending_webhooks": pending_webhooks,
        "request": {"id": None, "idempotency_key": None},
        "type": event.type,
    }


def webhook_endpoint_dict(endpoint: WebhookEndpoint, *, secret: str | None = None) -> JSON:
    """Stripe's webhook_endpoint; `secret` only in the answer that created it."""
    data = {
        "id": endpoint.id,
        "object": "webhook_endpoint",
        "api_version": endpoint.api_version,
        "application": None,
        "created": unix(endpoint.created),
        "description": endpoint.description or None,
        "enabled_events": endpoint.enabled_events,
        "livemode": endpoint.livemode,
        "metadata": endpoint.metadata,
        "status": endpoint.status,
        "url": endpoint.url,
    }
    if secret is not None:
        data["secret"] = secret
    return data


def deleted_dict(object_id: str, object_name: str) -> JSON:
    return {"id": object_id, "object": object_name, "deleted": True}


def list_dict(url: str, data: list[JSON], has_more: bool) -> JSON:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}
