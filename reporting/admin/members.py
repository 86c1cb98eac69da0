"""Admin for accounts, memberships, users and groups: tenant admins manage their own people, and no one else.

Superusers manage everything. Other staff, whatever model permissions an operator
gave them, see the accounts they belong to and the people in them (base.py), and:

- change an account, and add, change or remove its memberships, only where their
  role is admin; they add only users they manage (below);
- change, reset the password of, or delete only the users they manage: neither
  staff nor superuser, members of at least one account they administer and of no
  account they do not (resetting the password of someone who is also in another
  account would let them log in to that account);
- never grant superuser, staff, groups or permissions (read-only for them, even on
  their own user; groups, which carry permissions, are for superusers alone), and
  create neither users nor accounts.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Model, Q, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest

from reporting.models import Account, Door, Event, Membership, User

from .base import AccountFilter, TenantScopedAdmin, requesting_user


def administered_accounts(user: User) -> QuerySet[Account]:
    return Account.objects.filter(memberships__user=user, memberships__role=Membership.Role.ADMIN)


def managed_users(user: User) -> QuerySet[User]:
    """The users `user` may change, reset the password of, add to an account or remove."""
    administered = Membership.objects.filter(user=user, role=Membership.Role.ADMIN).values("account_id")
    members = Membership.objects.filter(account_id__in=administered).values("user_id")
    elsewhere = Membership.objects.exclude(account_id__in=administered).values("user_id")
    return User.objects.filter(pk__in=members, is_staff=False, is_superuser=False).exclude(pk__in=elsewhere)


def _superuser(request: HttpRequest) -> bool:
    return bool(request.user.is_superuser)


class MembershipInline(admin.TabularInline[Membership, Account]):
    """Read-only for other staff: they manage memberships on the membership pages, under the rules above."""

    model = Membership
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "role", "created")
    readonly_fields = ("created",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:  # obj: the account
        return _superuser(request) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:  # obj: the account
        return _superuser(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:  # obj: the account
        return _superuser(request) and super().has_delete_permission(request, obj)


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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _superuser(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Account | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._administers(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Account | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._administers(request, obj)

    def _administers(self, request: HttpRequest, account: Account | None) -> bool:
        if account is None or _superuser(request):
            return True
        return administered_accounts(requesting_user(request)).filter(pk=account.pk).exists()


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

    def get_readonly_fields(self, request: HttpRequest, obj: Membership | None = None) -> Any:
        # A membership is who and where: moving one is removing it and adding another.
        return ("user", "account") if obj is not None else ()

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        if _superuser(request) or db_field.name not in ("user", "account"):
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        user = requesting_user(request)
        queryset = managed_users(user) if db_field.name == "user" else administered_accounts(user)
        # A plain choice among those: a raw id box would print the name of any id typed into it.
        field: ModelChoiceField[Any] = db_field.formfield(queryset=queryset, widget=forms.Select, **kwargs)
        return field

    def has_add_permission(self, request: HttpRequest) -> bool:
        if not super().has_add_permission(request):
            return False
        return _superuser(request) or administered_accounts(requesting_user(request)).exists()

    def has_change_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._administers(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._administers(request, obj)

    def _administers(self, request: HttpRequest, membership: Membership | None) -> bool:
        if membership is None or _superuser(request):
            return True
        return administered_accounts(requesting_user(request)).filter(pk=membership.account_id).exists()


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
    # What only a superuser grants.
    PRIVILEGES = ("is_staff", "is_superuser", "groups", "user_permissions")

    def tenant_filter(self, request: HttpRequest) -> Q:
        # People who share an account with the user, and the user: other tenants' staff stay private.
        user = requesting_user(request)
        shared = Membership.objects.filter(
            account__in=Membership.objects.filter(user=user).values("account_id")
        ).values("user_id")
        return Q(pk__in=shared) | Q(pk=user.pk)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if _superuser(request) else (*fields, *self.PRIVILEGES)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _superuser(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Their own user too (name, email, password), its privileges being read-only.
        return super().has_change_permission(request, obj) and self._manages(request, obj, itself=True)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._manages(request, obj, itself=False)

    def _manages(self, request: HttpRequest, user: User | None, *, itself: bool) -> bool:
        if user is None or _superuser(request):
            return True
        if user.pk == request.user.pk:
            return itself
        return managed_users(requesting_user(request)).filter(pk=user.pk).exists()


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Groups carry permissions: superusers' alone (a member of a group could otherwise widen it)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _superuser(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _superuser(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return _superuser(request)
