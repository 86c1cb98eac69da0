"""Admin for schedules: what each runs and when, why one is paused, and each due time's outcome (read-only)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy

from reporting.models import Schedule, ScheduledRun

from .base import AccountFilter, ModeColumn, ModeFilter, ReadOnlyAdmin


class ScheduledRunInline(admin.TabularInline[ScheduledRun, Schedule]):
    model = ScheduledRun
    extra = 0
    fields = ("due_at", "status", "run", "reason", "attempts")
    readonly_fields = fields
    ordering = ("-due_at",)
    can_delete = False
    max_num = 0
    show_change_link = False


@admin.register(Schedule)
class ScheduleAdmin(ModeColumn, ReadOnlyAdmin[Schedule]):
    list_display = (
        "name",
        "account",
        "mode",
        "report_type",
        "period",
        "cadence_text",
        "next_due_at",
        "owner",
        "paused",
    )
    list_filter = (ModeFilter, ("account", AccountFilter), "cadence", "period")
    list_select_related = ("account", "report_type", "owner")
    search_fields = ("name", "id__exact")
    fields = (
        "id",
        "name",
        "account",
        "mode",
        "owner",
        "report_type",
        "period",
        "options",
        "cadence_text",
        "timezone",
        "recipients",
        "created",
        "next_due_at",
        "paused_at",
        "pause_reason",
    )
    readonly_fields = ("mode", "cadence_text")
    inlines = (ScheduledRunInline,)

    @admin.display(description=gettext_lazy("runs"))
    def cadence_text(self, schedule: Schedule) -> str:
        return schedule.cadence_text

    @admin.display(description=gettext_lazy("paused"), ordering="paused_at")
    def paused(self, schedule: Schedule) -> str:
        return schedule.pause_reason or ("yes" if schedule.is_paused else "")
