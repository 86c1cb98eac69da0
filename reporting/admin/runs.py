"""Admin for report runs, with the action that re-runs them."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_value
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy, ngettext

from reporting import l10n
from reporting.models import (
    Door,
    ReportRun,
)
from reporting.services import Caller, RunRequestError, request_run
from reporting.services.cancel import AlreadyEnded, cancel_run

from .base import (
    EMPTY,
    AccountFilter,
    ModeColumn,
    ModeFilter,
    ReadOnlyAdmin,
    admin_link,
    breakable,
    format_duration,
    may_request_somewhere,
    pretty_json,
    requesting_user,
)


@admin.register(ReportRun)
class ReportRunAdmin(ModeColumn, ReadOnlyAdmin[ReportRun]):
    # Six columns that fit 1366 px beside the sidebar and the filters: who and when share
    # one, and so do rows, size and duration; ids and type names wrap (static/reporting/admin.css).
    list_display = (
        "id",
        "type_column",
        "account_mode",
        "status",
        "requested",
        "outcome",
    )
    list_filter = (
        "status",
        "report_type",
        ModeFilter,
        ("account", AccountFilter),
        "requested_via",
    )
    list_select_related = (
        "account",
        "report_type",
        "requested_by",
        "requested_by_key",
        "result",
    )
    # Exact lookups: ids are pasted, never typed in part, and exact matches use the primary key.
    search_fields = ("id__exact", "result__id__exact")
    search_help_text = "A report run id (frr_…) or its file's id (file_…)."
    date_hierarchy = "created"
    actions = ("rerun", "cancel")
    fieldsets = (
        (None, {"fields": ("id", "account", "mode", "report_type", "status", "error")}),
        (
            "Requested",
            {
                "fields": (
                    "requester",
                    "requested_by",
                    "requested_by_key",
                    "requested_via",
                )
            },
        ),
        ("Parameters", {"fields": ("parameters_json", "cell_format")}),
        (
            "Timings",
            {
                "fields": (
                    "created",
                    "enqueued_at",
                    "enqueue_count",
                    "attempts",
                    "started_at",
                    "heartbeat_at",
                    "finished_at",
                    "succeeded_at",
                    "duration",
                    "data_watermark",
                )
            },
        ),
        ("Result", {"fields": ("result", "file_size", "file_sha256", "row_count", "rows_written", "rows_expected")}),
        ("Re-runs", {"fields": ("rerun_of", "reruns")}),
    )
    readonly_fields = (
        "mode",
        "requester",
        "parameters_json",
        "duration",
        "file_size",
        "file_sha256",
        "reruns",
    )

    @admin.display(description=gettext_lazy("requested by"))
    def requester(self, run: ReportRun) -> str:
        if run.requested_by is not None:
            who = run.requested_by.get_username()
        elif run.requested_by_key is not None:
            who = run.requested_by_key.masked
        else:
            who = EMPTY
        return f"{who} ({run.get_requested_via_display()})"

    @admin.display(description=gettext_lazy("type"), ordering="report_type")
    def type_column(self, run: ReportRun) -> SafeString:
        return breakable(run.report_type_id)

    @admin.display(description=gettext_lazy("requested"), ordering="created")
    def requested(self, run: ReportRun) -> SafeString:
        return format_html("{}<br>{}", self.requester(run), display_for_value(run.created, EMPTY))

    @admin.display(description=gettext_lazy("result"))
    def outcome(self, run: ReportRun) -> str:
        if run.row_count is None and run.result is None:
            return EMPTY
        rows = (
            EMPTY
            if run.row_count is None
            else ngettext("%(count)s row", "%(count)s rows", run.row_count) % {"count": l10n.count(run.row_count)}
        )
        return f"{rows} · {self.file_size(run)} · {self.duration(run)}"

    @admin.display(description=gettext_lazy("duration"))
    def duration(self, run: ReportRun) -> str:
        return format_duration(run.duration)

    @admin.display(description=gettext_lazy("file size"), ordering="result__size")
    def file_size(self, run: ReportRun) -> str:
        return EMPTY if run.result is None else filesizeformat(run.result.size)

    @admin.display(description=gettext_lazy("file sha256"))
    def file_sha256(self, run: ReportRun) -> str:
        return EMPTY if run.result is None else run.result.sha256

    @admin.display(description=gettext_lazy("parameters"))
    def parameters_json(self, run: ReportRun) -> SafeString:
        return pretty_json(run.parameters)

    @admin.display(description=gettext_lazy("re-runs"))
    def reruns(self, run: ReportRun) -> str:
        reruns = run.reruns.order_by("created", "id")
        if not reruns:
            return EMPTY
        return format_html_join(", ", "{}", ((admin_link(r),) for r in reruns))

    def has_rerun_permission(self, request: HttpRequest) -> bool:
        """Re-running is requesting a run: no model permission fits (`change_reportrun` would mean editing rows)."""
        return may_request_somewhere(self, request)

    @admin.action(description=gettext_lazy("Re-run selected runs"), permissions=["rerun"])
    def rerun(self, request: HttpRequest, queryset: QuerySet[ReportRun]) -> None:
        user = requesting_user(request)
        queued = 0
        skipped: dict[str, list[str]] = {}
        for run in queryset.select_related("account").order_by("created", "id"):
            caller = Caller(run.account, run.livemode, Door.ADMIN, user=user)
            try:
                request_run(caller, report_type_id=run.report_type_id, parameters=run.parameters, rerun_of=run)
            except PermissionDenied:
                skipped.setdefault("your role may not request runs for its account", []).append(run.id)
            except RunRequestError as refusal:
                skipped.setdefault(refusal.message.rstrip("."), []).append(run.id)
            else:
                queued += 1
        self.tell_outcome(
            request, ngettext("Queued %(count)s new run.", "Queued %(count)s new runs.", queued), queued, skipped
        )

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        """Canceling is the requester's or an account admin's (services.cancel checks each run)."""
        return may_request_somewhere(self, request)

    @admin.action(description=gettext_lazy("Cancel selected pending runs"), permissions=["cancel"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[ReportRun]) -> None:
        user = requesting_user(request)
        canceled = 0
        skipped: dict[str, list[str]] = {}
        for run in queryset.select_related("account").order_by("created", "id"):
            try:
                cancel_run(Caller(run.account, run.livemode, Door.ADMIN, user=user), run)
            except PermissionDenied:
                skipped.setdefault("only its requester or an admin of its account may cancel it", []).append(run.id)
            except AlreadyEnded:
                skipped.setdefault("it had already ended", []).append(run.id)
            else:
                canceled += 1
        self.tell_outcome(
            request, ngettext("Canceled %(count)s run.", "Canceled %(count)s runs.", canceled), canceled, skipped
        )

    def tell_outcome(self, request: HttpRequest, done: str, count: int, skipped: dict[str, list[str]]) -> None:
        """An action's result: how many runs it acted on (`done`, worded for `count`), then each reason it skipped some."""
        self.message_user(request, done % {"count": count}, messages.SUCCESS if count else messages.INFO)
        for reason, ids in skipped.items():
            self.message_user(request, f"Skipped {', '.join(ids)}: {reason}.", messages.WARNING)
