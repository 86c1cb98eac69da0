"""Admin for the event log and report types (accounts, members and users: members.py)."""

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from reporting.models import (
    Event,
    ReportType,
)

from .base import (
    EMPTY,
    AccountFilter,
    ModeColumn,
    ModeFilter,
    NotFoundAdmin,
    ReadOnlyAdmin,
    pretty_json,
)

# Event log ---------------------------------------------------------------------------------


@admin.register(Event)
class EventAdmin(ModeColumn, ReadOnlyAdmin[Event]):
    list_display = (
        "created",
        "action",
        "door",
        "account",
        "mode",
        "actor",
        "api_key",
        "object_link",
    )
    list_filter = ("action", "door", ModeFilter, ("account", AccountFilter))
    list_select_related = ("account", "actor", "api_key")
    search_fields = ("object_id__exact",)
    search_help_text = "The id of the object acted on (a run, a file, a key)."
    # The log only grows: no full count, no facets, no date hierarchy (a DISTINCT over every row).
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fields = (
        "created",
        "action",
        "door",
        "account",
        "mode",
        "actor",
        "api_key",
        "object_link",
        "data_json",
    )
    readonly_fields = ("mode", "object_link", "data_json")

    # Where an event's object_id points, by action.
    OBJECT_ADMINS: ClassVar[dict[str, str]] = {
        Event.Action.RUN_REQUESTED: "admin:reporting_reportrun_change",
        Event.Action.RUN_RERUN: "admin:reporting_reportrun_change",
        Event.Action.FILE_DOWNLOADED: "admin:reporting_file_change",
        Event.Action.KEY_CREATED: "admin:reporting_apikey_change",
        Event.Action.KEY_REVOKED: "admin:reporting_apikey_change",
    }

    @admin.display(description=gettext_lazy("object"), ordering="object_id")
    def object_link(self, event: Event) -> str:
        url_name = self.OBJECT_ADMINS.get(event.action)
        if not event.object_id:
            return EMPTY
        if url_name is None:
            return event.object_id
        return format_html(
            '<a href="{}">{}</a>',
            reverse(url_name, args=[quote(event.object_id)]),
            event.object_id,
        )

    @admin.display(description=gettext_lazy("data"))
    def data_json(self, event: Event) -> SafeString:
        return pretty_json(event.data)


# Report types -------------------------------------------------------------------------------


@admin.register(ReportType)
class ReportTypeAdmin(NotFoundAdmin[ReportType]):
    """Types come from the code registry; only the live-only flag is an operator's choice."""

    list_display = ("id", "name", "version", "live_only", "updated")
    list_filter = ("live_only",)
    fields = ("id", "name", "version", "default_columns", "live_only", "updated")
    readonly_fields = ("id", "name", "version", "default_columns", "updated")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ReportType | None = None) -> bool:
        return False
