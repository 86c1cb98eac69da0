"""Admin for the event log, accounts, members, users and report types."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from reporting.models import (
    Account,
    Door,
    Event,
    Membership,
    ReportType,
    User,
)

from .base import (
    EMPTY,
    AccountFilter,
    ModeColumn,
    ModeFilter,
    NotFoundAdmin,
    ReadOnlyAdmin,
    TenantScopedAdmin,
    pretty_json,
    requesting_user,
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

    @admin.display(description="object", ordering="object_id")
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

    @admin.display(description="data")
    def data_json(self, event: Event) -> SafeString:
        return pretty_json(event.data)


# Accounts, members, users, report types -----------------------------------------------------


class MembershipInline(admin.TabularInline[Membership, Account]):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "role", "created")
    readonly_fields = ("created",)


@admin.register(Account)
class AccountAdmin(TenantScopedAdmin[Account]):
    account_path = "id"
    livemode_path = None
    list_display = ("id", "name", "cell_format", "created")
    list_filter = ("cell_format",)
    search_fields = ("name", "id__exact")
    fields = ("id", "name", "cell_format", "created")
    readonly_fields = ("id", "created")
    inlines = (MembershipInline,)

    def save_model(self, request: HttpRequest, obj: Account, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "cell_format" in form.changed_data:
            # The same audit event as the dashboard's settings page.
            Event.record(
                Event.Action.ACCOUNT_UPDATED,
                door=Door.ADMIN,
                account=obj,
                actor=request.user,
                object_id=obj.pk,
                cell_format=obj.cell_format,
            )


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin[Membership]):
    livemode_path = None
    list_display = ("user", "account", "role", "created")
    list_filter = ("role", ("account", AccountFilter))
    list_select_related = ("user", "account")
    raw_id_fields = ("user", "account")
    search_fields = (
        "user__username",
        "user__email",
        "account__name",
        "account__id__exact",
    )


@admin.register(User)
class UserAdmin(TenantScopedAdmin[User], DjangoUserAdmin[User]):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Preferences", {"fields": ("timezone",)}),
    )
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "timezone",
        "is_staff",
    )

    def tenant_filter(self, request: HttpRequest) -> Q:
        # People who share an account with the user, and the user: other tenants' staff stay private.
        user = requesting_user(request)
        shared = Membership.objects.filter(
            account__in=Membership.objects.filter(user=user).values("account_id")
        ).values("user_id")
        return Q(pk__in=shared) | Q(pk=user.pk)


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
