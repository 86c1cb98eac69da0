"""Tenant admins stay inside their tenant (issue 13): every escalation the probe tried is refused, nothing changes.

The requester is what the probe used: a staff user (not a superuser), admin of one
account, analyst of another, holding every permission on users, groups, accounts and
memberships. Each escalation is tried through the admin's own pages; the test then
compares users (password, flags, groups, permissions), memberships, groups and
accounts with how they were before. The positive cases at the end show the same
requester doing what an account admin may, so the refusals are not a broken form.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from reporting.models import Account, Membership, User
from tests.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Escalat10n-pa55word"
JOINED = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def tenants(account, other_account):
    """The requester `rita` and the people around her, by name."""
    people = {"other": other_account, "acme": account}
    people["analysed"] = AccountFactory(name="Initech")  # rita is only an analyst there
    people["spare"] = AccountFactory(name="Hooli")  # rita is admin there too, and alone
    rita = UserFactory(username="rita", is_staff=True, date_joined=JOINED)
    rita.user_permissions.set(Permission.objects.filter(content_type__app_label__in=("auth", "reporting")))
    MembershipFactory(user=rita, account=account, role=Membership.Role.ADMIN)
    MembershipFactory(user=rita, account=people["spare"], role=Membership.Role.ADMIN)
    MembershipFactory(user=rita, account=people["analysed"], role=Membership.Role.ANALYST)
    people["rita"] = rita

    def member(name, *accounts, **flags):
        user = UserFactory(username=name, date_joined=JOINED, **flags)
        for where in accounts:
            MembershipFactory(user=user, account=where)
        people[name] = user
        return user

    member("alice", account)  # only in rita's account: hers to manage
    member("bob", other_account)  # another tenant's user
    member("carol", account, other_account)  # also in another tenant
    member("sam", account, is_staff=True)  # a staff colleague
    member("root", account, is_superuser=True, is_staff=True)
    member("dave", people["analysed"])  # in the account rita only analyses
    ops = Group.objects.create(name="Ops")
    ops.permissions.set(Permission.objects.filter(codename="view_user"))
    rita.groups.add(ops)
    people["ops"] = ops
    return people


@pytest.fixture
def rita_client(client, tenants):
    client.force_login(tenants["rita"])
    return client


def state():
    """Everything an escalation could change."""
    users = {
        user.username: (
            user.password,
            user.is_staff,
            user.is_superuser,
            user.is_active,
            user.email,
            frozenset(user.groups.values_list("name", flat=True)),
            frozenset(user.user_permissions.values_list("codename", flat=True)),
        )
        for user in User.objects.prefetch_related("groups", "user_permissions")
    }
    return {
        "users": users,
        "memberships": set(Membership.objects.values_list("user__username", "account__name", "role")),
        "groups": {g.name: frozenset(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()},
        "accounts": set(Account.objects.values_list("id", "name")),
    }


def url(name, *args):
    # Quoted as the admin's own links are: an id such as acct_3A… would otherwise read back as acct:….
    return reverse(f"admin:{name}", args=[quote(arg) for arg in args])


def user_form(user, **changes):
    """A valid change form of `user` as it is, plus `changes` (as a browser would post it)."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "timezone": user.timezone,
        "date_joined_0": "2025-01-01",
        "date_joined_1": "00:00:00",
        "last_login_0": "",
        "last_login_1": "",
    }
    return {**data, **changes}


def password_form():
    return {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true", "set-password": "1"}


def membership_form(user, account, role="admin"):
    return {"user": user.pk, "account": account.pk, "role": role, "created_0": "2025-01-01", "created_1": "00:00:00"}


# Each escalation: (what it posts or gets, the status it must get).
ESCALATIONS = {
    "see another tenant's user": lambda c, t: c.get(url("reporting_user_change", t["bob"].pk)),
    "reset another tenant's user's password": lambda c, t: c.post(
        url("auth_user_password_change", t["bob"].pk), password_form()
    ),
    "change another tenant's user's email": lambda c, t: c.post(
        url("reporting_user_change", t["bob"].pk), user_form(t["bob"], email="rita@evil.example")
    ),
    "reset the password of a member also in another tenant": lambda c, t: c.post(
        url("auth_user_password_change", t["carol"].pk), password_form()
    ),
    "change the email of a member also in another tenant": lambda c, t: c.post(
        url("reporting_user_change", t["carol"].pk), user_form(t["carol"], email="rita@evil.example")
    ),
    "reset a staff colleague's password": lambda c, t: c.post(
        url("auth_user_password_change", t["sam"].pk), password_form()
    ),
    "reset a superuser's password": lambda c, t: c.post(
        url("auth_user_password_change", t["root"].pk), password_form()
    ),
    "delete a member also in another tenant": lambda c, t: c.post(
        url("reporting_user_delete", t["carol"].pk), {"post": "yes"}
    ),
    "make herself superuser and staff": lambda c, t: c.post(
        url("reporting_user_change", t["rita"].pk), user_form(t["rita"], is_superuser="on", is_staff="on")
    ),
    "give herself every permission": lambda c, t: c.post(
        url("reporting_user_change", t["rita"].pk),
        user_form(t["rita"], is_staff="on", user_permissions=list(Permission.objects.values_list("pk", flat=True))),
    ),
    "put herself in a group": lambda c, t: c.post(
        url("reporting_user_change", t["rita"].pk),
        user_form(t["rita"], is_staff="on", groups=[Group.objects.create(name="Admins").pk]),
    ),
    "make her member staff": lambda c, t: c.post(
        url("reporting_user_change", t["alice"].pk), user_form(t["alice"], is_staff="on", is_superuser="on")
    ),
    "widen her own group": lambda c, t: c.post(
        url("auth_group_change", t["ops"].pk),
        {"name": "Ops", "permissions": list(Permission.objects.values_list("pk", flat=True))},
    ),
    "create a superuser": lambda c, t: c.post(
        url("reporting_user_add"),
        {"username": "mallory", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    ),
    "add another tenant's user to her account": lambda c, t: c.post(
        url("reporting_membership_add"), membership_form(t["bob"], t["acme"])
    ),
    "add a member also in another tenant to her other account": lambda c, t: c.post(
        url("reporting_membership_add"), membership_form(t["carol"], t["spare"])
    ),
    "add a staff colleague to her other account": lambda c, t: c.post(
        url("reporting_membership_add"), membership_form(t["sam"], t["spare"])
    ),
    "add her member to another tenant's account": lambda c, t: c.post(
        url("reporting_membership_add"), membership_form(t["alice"], t["other"])
    ),
    "add her member to an account she only analyses": lambda c, t: c.post(
        url("reporting_membership_add"), membership_form(t["alice"], t["analysed"])
    ),
    "add another tenant's user through her account's page": lambda c, t: c.post(
        url("reporting_account_change", t["acme"].pk),
        {
            "name": t["acme"].name,
            "cell_format": t["acme"].cell_format,
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-user": t["bob"].pk,
            "memberships-0-role": "admin",
            "memberships-0-account": t["acme"].pk,
        },
    ),
    "make herself admin where she is an analyst": lambda c, t: c.post(
        url("reporting_membership_change", t["rita"].memberships.get(account=t["analysed"]).pk), {"role": "admin"}
    ),
    "change a role in an account she only analyses": lambda c, t: c.post(
        url("reporting_membership_change", t["dave"].memberships.get().pk), {"role": "admin"}
    ),
    "rename an account she only analyses": lambda c, t: c.post(
        url("reporting_account_change", t["analysed"].pk),
        {"name": "Pwned", "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"},
    ),
}

# What a refusal looks like: 404 where she may not even see it, 403 where she may
# only look, 200 with the form's errors where a choice is not hers to make, 302
# where the form saved what she may change and ignored the privileges.
EXPECTED = {
    "see another tenant's user": 404,
    "reset another tenant's user's password": 404,
    "change another tenant's user's email": 404,
    "reset the password of a member also in another tenant": 403,
    "change the email of a member also in another tenant": 403,
    "reset a staff colleague's password": 403,
    "reset a superuser's password": 403,
    "delete a member also in another tenant": 403,
    "make herself superuser and staff": 302,
    "give herself every permission": 302,
    "put herself in a group": 302,
    "make her member staff": 302,
    "widen her own group": 403,
    "create a superuser": 403,
    "add another tenant's user to her account": 200,
    "add a member also in another tenant to her other account": 200,
    "add a staff colleague to her other account": 200,
    "add her member to another tenant's account": 200,
    "add her member to an account she only analyses": 200,
    "add another tenant's user through her account's page": 302,
    "make herself admin where she is an analyst": 403,
    "change a role in an account she only analyses": 403,
    "rename an account she only analyses": 403,
}


@pytest.mark.parametrize("escalation", ESCALATIONS)
def test_escalation_is_refused_and_changes_nothing(rita_client, tenants, escalation):
    before = state()

    response = ESCALATIONS[escalation](rita_client, tenants)

    assert response.status_code == EXPECTED[escalation]
    if response.status_code == 200 and response.context and "adminform" in response.context:
        assert response.context["adminform"].form.errors  # refused by the form, not shown as saved
    after = state()
    after["groups"].pop("Admins", None)  # made by the attempt itself, as the group to join
    assert after == before


def test_she_manages_her_own_members(rita_client, tenants):
    """The same requester's rightful work: reset her member's password, add her to another account, rename herself."""
    alice = tenants["alice"]

    reset = rita_client.post(url("auth_user_password_change", alice.pk), password_form())
    added = rita_client.post(url("reporting_membership_add"), membership_form(alice, tenants["spare"], role="viewer"))
    renamed = rita_client.post(
        url("reporting_user_change", tenants["rita"].pk), user_form(tenants["rita"], first_name="Rita")
    )

    assert (reset.status_code, added.status_code, renamed.status_code) == (302, 302, 302)
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert Membership.objects.filter(user=alice, account=tenants["spare"], role="viewer").exists()
    assert User.objects.get(username="rita").first_name == "Rita"


def test_her_choices_are_only_her_members_and_accounts(rita_client, tenants):
    """The add form offers (and the raw id box would have named) nothing of another tenant's."""
    form = rita_client.get(url("reporting_membership_add")).context["adminform"].form

    assert set(form.fields["user"].queryset.values_list("username", flat=True)) == {"alice"}
    assert set(form.fields["account"].queryset.values_list("name", flat=True)) == {"Acme", "Hooli"}


def test_superuser_still_manages_everyone(admin_client, tenants):
    bob = tenants["bob"]

    response = admin_client.post(url("reporting_user_change", bob.pk), user_form(bob, is_staff="on"))

    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.is_staff
