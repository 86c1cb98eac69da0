"""Admin for API keys, with the action that revokes them."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from reporting.models import ApiKey, Door, Membership
from reporting.services import Caller, revoke_key

from .base import (
    AccountFilter,
    ApiKeyStatusFilter,
    ModeColumn,
    ModeFilter,
    ReadOnlyAdmin,
    requesting_user,
)


@admin.register(ApiKey)
class ApiKeyAdmin(ModeColumn, ReadOnlyAdmin[ApiKey]):
    # The digest is never displayed: explicit fields, and excluded for good measure.
    list_display = (
        "masked",
        "name",
        "account",
        "mode",
        "created_by",
        "created",
        "last_used_at",
        "revoked_at",
    )
    list_filter = (ApiKeyStatusFilter, ModeFilter, ("account", AccountFilter))
    list_select_related = ("account", "created_by")
    search_fields = ("name", "=last4")
    fields = (
        "masked",
        "name",
        "account",
        "mode",
        "created_by",
        "created",
        "last_used_at",
        "revoked_at",
    )
    exclude = ("digest",)
    readonly_fields = ("masked", "mode")
    actions = ("revoke",)

    @admin.display(description=gettext_lazy("key"))
    def masked(self, key: ApiKey) -> str:
        return key.masked

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        """Like the dashboard: account admins manage keys (each key is checked in the action)."""
        if request.user.is_superuser:
            return True
        return (
            self.has_view_permission(request)
            and Membership.objects.filter(user=requesting_user(request), role=Membership.Role.ADMIN).exists()
        )

    @admin.action(description=gettext_lazy("Revoke selected keys"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        user = requesting_user(request)
        revoked = 0
        denied: list[str] = []
        for key in queryset.filter(revoked_at__isnull=True).select_related("account"):
            try:
                revoked += revoke_key(Caller(key.account, key.livemode, Door.ADMIN, user=user), key)
            except PermissionDenied:
                denied.append(key.masked)
        self.message_user(
            request,
            f"Revoked {revoked} key{'s' if revoked != 1 else ''}.",
            messages.SUCCESS if revoked else messages.INFO,
        )
        if denied:
            self.message_user(
                request,
                f"Not revoked (only account admins manage keys): {', '.join(denied)}.",
                messages.WARNING,
            )
