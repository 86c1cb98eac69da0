"""Admin for API keys, with the action that revokes them."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from reporting.models import ApiKey, Door, Event, Membership

from .base import (
    AccountFilter,
    ApiKeyStatusFilter,
    ModeFilter,
    ReadOnlyAdmin,
    memberships_of,
    mode_label,
    requesting_user,
)


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin[ApiKey]):
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

    @admin.display(description="key")
    def masked(self, key: ApiKey) -> str:
        return key.masked

    @admin.display(description="mode", ordering="livemode")
    def mode(self, key: ApiKey) -> str:
        return mode_label(key.livemode)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        """Like the dashboard: account admins manage keys (each key is checked in the action)."""
        if request.user.is_superuser:
            return True
        return (
            self.has_view_permission(request)
            and Membership.objects.filter(user=requesting_user(request), role=Membership.Role.ADMIN).exists()
        )

    @admin.action(description="Revoke selected keys", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        user = requesting_user(request)
        memberships = {} if user.is_superuser else memberships_of(request)
        revoked = 0
        denied: list[str] = []
        for key in queryset.filter(revoked_at__isnull=True).select_related("account"):
            membership = memberships.get(key.account_id)
            if not user.is_superuser and (membership is None or not membership.can_manage):
                denied.append(key.masked)
                continue
            key.revoke()
            Event.record(
                Event.Action.KEY_REVOKED,
                door=Door.ADMIN,
                account=key.account,
                livemode=key.livemode,
                actor=user,
                object_id=str(key.pk),
            )
            revoked += 1
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
