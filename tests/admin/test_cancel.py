"""The report run admin's cancel action: services.cancel's rule, per run, with what it skipped and why."""

from __future__ import annotations

import pytest

from reporting.models import Membership, ReportRun
from tests.admin.conftest import post_action, staff_member, succeeded_run
from tests.factories import ReportRunFactory

pytestmark = pytest.mark.django_db


def test_admin_cancels_pending_runs_and_skips_ended_ones(admin_client, admin_user, account):
    admin_user.first_name = "Root"
    admin_user.save()
    pending = ReportRunFactory(account=account)
    done = succeeded_run(account=account)

    response = post_action(admin_client, ReportRun, "cancel", [pending, done])

    pending.refresh_from_db()
    assert (pending.status, pending.error) == ("failed", "Canceled by Root")
    assert ReportRun.objects.get(pk=done.pk).status == "succeeded"
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["Canceled 1 run.", f"Skipped {done.id}: it had already ended."]


def test_a_staff_analyst_cancels_only_the_runs_they_requested(client, account):
    analyst = staff_member(account, Membership.Role.ANALYST)
    client.force_login(analyst)
    theirs = ReportRunFactory(account=account, requested_by=analyst)
    someone_elses = ReportRunFactory(account=account)

    response = post_action(client, ReportRun, "cancel", [theirs, someone_elses])

    assert ReportRun.objects.get(pk=theirs.pk).status == "failed"
    assert ReportRun.objects.get(pk=someone_elses.pk).status == "pending"
    assert f"Skipped {someone_elses.id}: only its requester or an admin of its account may cancel it." in [
        str(m) for m in response.context["messages"]
    ]
