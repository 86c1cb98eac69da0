"""The admin's URLs, the runs and staff users its tests make, and the staff clients they log in with."""

from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.urls import reverse

from reporting.models import Membership
from tests.factories import AccountFactory, FileFactory, MembershipFactory, ReportRunFactory, UserFactory


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


# The admin escapes ids in its URLs ("_3C" would otherwise read back as "<"), as its own links do.
def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[quote(obj.pk)])


def history_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[quote(obj.pk)])


def listed(response):
    return {obj.pk for obj in response.context["cl"].result_list}


def succeeded_run(**kwargs):
    run = ReportRunFactory(**kwargs)
    run.claim()
    run.mark_succeeded(
        result=FileFactory(account=run.account, livemode=run.livemode, size=2048, sha256="ab" * 32),
        row_count=12,
    )
    return run


def failed_run(**kwargs):
    run = ReportRunFactory(**kwargs)
    run.mark_failed("boom")
    return run


def staff_member(account, role):
    """A staff user (not a superuser) with view permissions on everything, member of one account."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="reporting", codename__startswith="view_")
    )
    MembershipFactory(user=user, account=account, role=role)
    return user


def post_action(client, model, action, objects):
    return client.post(
        changelist_url(model),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


@pytest.fixture
def other_account(db):
    return AccountFactory(name="Globex")


@pytest.fixture
def analyst_staff(account):
    return staff_member(account, Membership.Role.ANALYST)


@pytest.fixture
def analyst_staff_client(client, analyst_staff):
    client.force_login(analyst_staff)
    return client
