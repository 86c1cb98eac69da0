"""Admin for Stripe sources: how each account's syncs go, and the action that starts one now.

Read-only, for everyone: the cursors (`synced_through`, `links_through`) and the
heartbeat belong to the sync, and an edit could skip or repeat data; the key is
connected on the dashboard's Data sources page, which checks it first. The
encrypted key is never displayed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_value
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from reporting.models import DataWatermark, Door, StripeSource
from reporting.services import Caller
from reporting.services.sources import SourceError, SyncStatus, request_sync
from reporting.templatetags.reporting import in_words

from .base import EMPTY, AccountFilter, ModeColumn, ModeFilter, ReadOnlyAdmin, may_request_somewhere, requesting_user


class FailingFilter(admin.SimpleListFilter):
    title = "last sync"
    parameter_name = "failing"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> Iterable[tuple[str, str]]:
        return [("yes", "Failed"), ("no", "Did not fail")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.exclude(last_error="")
        if self.value() == "no":
            return queryset.filter(last_error="")
        return queryset


@admin.register(StripeSource)
class StripeSourceAdmin(ModeColumn, ReadOnlyAdmin[StripeSource]):
    list_display = (
        "account",
        "mode",
        "key_hint",
        "last_success_at",
        "last_rows_pulled",
        "rows_pulled",
        "lag",
        "running",
        "error",
    )
    list_filter = (ModeFilter, FailingFilter, ("account", AccountFilter))
    list_select_related = ("account",)
    search_fields = ("account__name", "=account__id")
    fields = (
        "account",
        "mode",
        "key_hint",
        "created",
        "created_by",
        "running",
        "sync_heartbeat",
        "last_attempt_at",
        "last_success_at",
        "last_error",
        "last_rows_pulled",
        "rows_pulled",
        "synced_through",
        "links_through",
        "complete_through",
        "lag",
    )
    exclude = ("encrypted_key",)
    readonly_fields = ("mode", "running", "complete_through", "lag")
    actions = ("sync_now",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[StripeSource]:
        # The mode's data watermark, for the lag: one subquery, not a query per row.
        watermark = DataWatermark.objects.filter(account=OuterRef("account"), livemode=OuterRef("livemode"))
        return super().get_queryset(request).annotate(watermark=Subquery(watermark.values("complete_through")[:1]))

    @admin.display(description=gettext_lazy("ledger complete through"), ordering="watermark")
    def complete_through(self, source: StripeSource) -> str:
        # Formatted as the admin formats its own dates (a method's value would be printed raw on the change page).
        return display_for_value(getattr(source, "watermark", None), EMPTY)

    @admin.display(description=gettext_lazy("lag"), ordering="-watermark")
    def lag(self, source: StripeSource) -> str:
        """How far the data reports may read (the watermark) trails now."""
        watermark = getattr(source, "watermark", None)
        return EMPTY if watermark is None else in_words(timezone.now() - watermark)

    @admin.display(description=gettext_lazy("running"), boolean=True, ordering="sync_heartbeat")
    def running(self, source: StripeSource) -> bool:
        return SyncStatus(source).running

    @admin.display(description=gettext_lazy("last error"), ordering="last_error")
    def error(self, source: StripeSource) -> str:
        return Truncator(source.last_error).chars(80) or EMPTY

    def has_sync_permission(self, request: HttpRequest) -> bool:
        """Like the dashboard's "Sync now": analysts and admins of an account (each source checked in the action)."""
        return may_request_somewhere(self, request)

    @admin.action(description=gettext_lazy("Sync selected sources now"), permissions=["sync"])
    def sync_now(self, request: HttpRequest, queryset: QuerySet[StripeSource]) -> None:
        user = requesting_user(request)
        queued = 0
        skipped: dict[str, list[str]] = {}
        for source in queryset.select_related("account").order_by("account_id", "livemode"):
            try:
                sent = request_sync(Caller(source.account, source.livemode, Door.ADMIN, user=user))
            except PermissionDenied:
                skipped.setdefault("your role may not start its syncs", []).append(str(source))
            except SourceError as exc:  # disconnected since the page loaded
                skipped.setdefault(str(exc).rstrip("."), []).append(str(source))
            else:
                if sent:
                    queued += 1
                else:
                    skipped.setdefault("the task queue is unavailable; the scheduled sync will run it", []).append(
                        str(source)
                    )
        self.message_user(
            request,
            f"Queued {queued} sync{'s' if queued != 1 else ''}.",
            messages.SUCCESS if queued else messages.INFO,
        )
        for reason, names in skipped.items():
            self.message_user(request, f"Not queued, {', '.join(names)}: {reason}.", messages.WARNING)
