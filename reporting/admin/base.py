"""Shared admin pieces: formatting helpers, tenant scoping and list filters."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, ClassVar, TypeVar, cast

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db.models import Model, Q, QuerySet
from django.db.models.fields.related import RelatedField
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy, pgettext

from reporting import l10n
from reporting.categories import REPORTING_CATEGORIES
from reporting.models import (
    Account,
    Membership,
    User,
)

_M = TypeVar("_M", bound=Model)

EMPTY = "—"


# Small formatting helpers -------------------------------------------------------


def mode_label(livemode: bool) -> str:
    return "live" if livemode else "test"


def format_duration(value: timedelta | None) -> str:
    """A duration people read at a glance: 850 ms, 12.4 s, 3 min 05 s, 2 h 07 min."""
    if value is None:
        return EMPTY
    seconds = value.total_seconds()
    if seconds < 1:
        return f"{round(seconds * 1000)} ms"
    if seconds < 60:
        return f"{formats.number_format(seconds, 1)} s"  # 12.4 s, 12,4 s in de
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_money(minor: int | None, currency: str | None) -> str:
    if minor is None or not currency:
        return EMPTY
    # Grouped and with the decimal separator of the user's language; a currency missing from the
    # exponent table shows its minor units as stored.
    return l10n.minor_amount(minor, currency)


def pretty_json(value: Any) -> SafeString:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False))


def admin_link(obj: Model | None) -> str:
    if obj is None:
        return EMPTY
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[quote(obj.pk)])
    return format_html('<a href="{}">{}</a>', url, str(obj))


def requesting_user(request: HttpRequest) -> User:
    # Every admin view runs behind AdminSite.has_permission: an active staff user.
    return cast(User, request.user)


def may_request_somewhere(model_admin: admin.ModelAdmin[Any], request: HttpRequest) -> bool:
    """Whether to offer an action that requests work for an account (a re-run, a sync).

    The view permission plus a role that may request in some account: a staff member gets no
    more power here than the dashboard gives them. The action checks each row's account itself.
    """
    if request.user.is_superuser:
        return True
    return (
        model_admin.has_view_permission(request)
        and Membership.objects.filter(
            user=requesting_user(request), role__in=[Membership.Role.ANALYST, Membership.Role.ADMIN]
        ).exists()
    )


def memberships_of(request: HttpRequest) -> dict[str, Membership]:
    return {m.account_id: m for m in Membership.objects.filter(user=requesting_user(request))}


# Tenant scoping -------------------------------------------------------------------


def tenant_q(user: User, *, account_path: str, livemode_path: str | None) -> Q:
    """Rows a non-superuser may see: their accounts' test data, and live data where they are admins."""
    member_of = Membership.objects.filter(user=user).values("account_id")
    in_accounts = Q(**{f"{account_path}__in": member_of})
    if livemode_path is None:
        return in_accounts
    manages = Membership.objects.filter(user=user, role=Membership.Role.ADMIN).values("account_id")
    return (Q(**{livemode_path: False}) & in_accounts) | (
        Q(**{livemode_path: True}) & Q(**{f"{account_path}__in": manages})
    )


class NotFoundAdmin(admin.ModelAdmin[_M]):
    """An object the user may not see (or that does not exist) is a 404, not a redirect to the index."""

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> _M:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} matches the given query.")
        return obj


class TenantScopedAdmin(NotFoundAdmin[_M]):
    """Restrict every query of this admin (lists, detail, history, actions, filters) to the user's scope."""

    account_path: ClassVar[str] = "account"
    livemode_path: ClassVar[str | None] = "livemode"

    def tenant_filter(self, request: HttpRequest) -> Q:
        return tenant_q(
            requesting_user(request),
            account_path=self.account_path,
            livemode_path=self.livemode_path,
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[_M]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(self.tenant_filter(request))

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        # Where a form does pick an account, offer (and accept) only the user's own.
        if db_field.name == "account" and not request.user.is_superuser:
            kwargs["queryset"] = Account.objects.filter(
                tenant_q(requesting_user(request), account_path="id", livemode_path=None)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdmin(TenantScopedAdmin[_M]):
    """View only: no add, no change, no delete, for anyone (superusers included)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False


class ModeColumn:
    """The `mode` column (test or live) of an admin whose rows each belong to one mode."""

    @admin.display(description=gettext_lazy("mode"), ordering="livemode")
    def mode(self, obj: Any) -> str:
        return mode_label(obj.livemode)

    # The busiest lists (runs, ledger) show the account's name over its mode in one
    # narrow column, live in bold, so they fit a 1366 px screen beside the sidebars.
    @admin.display(description=gettext_lazy("account"), ordering="account__name")
    def account_mode(self, obj: Any) -> SafeString:
        if obj.livemode:
            return format_html(
                '{}<br><strong class="mode-live">{}</strong>', obj.account.name, pgettext("mode", "live")
            )
        return format_html('{}<br><span class="quiet">{}</span>', obj.account.name, pgettext("mode", "test"))


def breakable(text: str) -> SafeString:
    """Dotted, underscored names (balance_change_from_activity.itemized.3) may wrap after each . and _."""
    parts = re.split(r"(?<=[._])", text)
    return format_html_join(mark_safe("<wbr>"), "{}", ((part,) for part in parts))


# List filters -------------------------------------------------------------------------


class AccountFilter(admin.RelatedFieldListFilter):
    """Offer only the accounts the user may see: another tenant's name is not a filter choice."""

    def field_choices(
        self,
        field: RelatedField[Any, Any],
        request: HttpRequest,
        model_admin: admin.ModelAdmin[Any],
    ) -> list[tuple[str, Any]]:
        accounts = Account.objects.order_by("name", "id")
        if not request.user.is_superuser:
            accounts = accounts.filter(tenant_q(requesting_user(request), account_path="id", livemode_path=None))
        return [(account.pk, str(account)) for account in accounts]


class ModeFilter(admin.SimpleListFilter):
    title = "mode"
    parameter_name = "mode"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> Iterable[tuple[str, str]]:
        return [("test", "Test"), ("live", "Live")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("test", "live"):
            return queryset.filter(livemode=self.value() == "live")
        return queryset


class ReportingCategoryFilter(admin.SimpleListFilter):
    # Fixed choices: a DISTINCT over millions of ledger rows on every page load is not a filter.
    title = "reporting category"
    parameter_name = "reporting_category"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> Iterable[tuple[str, str]]:
        return [(category, category) for category in REPORTING_CATEGORIES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value():
            return queryset.filter(reporting_category=self.value())
        return queryset


class ApiKeyStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> Iterable[tuple[str, str]]:
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("active", "revoked"):
            return queryset.filter(revoked_at__isnull=self.value() == "active")
        return queryset
