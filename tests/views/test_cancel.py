"""The dashboard's progress and Cancel: shown to whom may cancel, confirmed without script, refused to the rest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reporting.models import Membership, ReportRun
from tests.factories import MembershipFactory, ReportRunFactory, UserFactory
from tests.views.conftest import HX

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(account, analyst):
    """The analyst's itemized run, 1,234 of 5,000 rows written 10 s after it started."""
    run = ReportRunFactory(account=account, requested_by=analyst, report_type_id="payouts.itemized.1")
    assert run.claim()
    started = timezone.now() - timedelta(seconds=10)
    ReportRun.objects.filter(pk=run.pk).update(
        started_at=started, heartbeat_at=started + timedelta(seconds=10), rows_written=1234, rows_expected=5000
    )
    return run


def cancel_url(run):
    return reverse("reporting:run-cancel", args=[run.id])


def test_a_running_run_shows_its_progress_and_cancel_to_its_requester(analyst_client, running):
    detail = analyst_client.get(reverse("reporting:run-detail", args=[running.id]), headers=HX).content.decode()
    table = analyst_client.get(reverse("reporting:run-list"), headers=HX).content.decode()

    for page in (detail, table):  # what the 2 s polls bring
        assert "1,234 of 5,000 rows · about 31 s left" in page
        assert '<progress max="5000" value="1234"' in page  # numbers the browser reads: not grouped
        assert f'action="{cancel_url(running)}"' in page


@pytest.mark.parametrize("role", [Membership.Role.VIEWER, Membership.Role.ANALYST])
def test_no_cancel_for_a_viewer_or_another_analyst_and_a_refusal_if_they_post(client, account, running, role):
    other = MembershipFactory(account=account, user=UserFactory(username="other"), role=role).user
    client.force_login(other)

    assert cancel_url(running) not in client.get(reverse("reporting:run-detail", args=[running.id])).content.decode()
    assert cancel_url(running) not in client.get(reverse("reporting:run-list")).content.decode()
    assert client.post(cancel_url(running), {"confirm": "yes"}).status_code == 403
    assert ReportRun.objects.get(pk=running.pk).status == "pending"


def test_an_account_admin_sees_cancel_on_anyones_run(client, admin_member, running):
    client.force_login(admin_member)

    assert cancel_url(running) in client.get(reverse("reporting:run-list")).content.decode()


def test_without_script_cancel_asks_first_then_cancels(analyst_client, running):
    asked = analyst_client.post(cancel_url(running))

    assert asked.status_code == 200
    assert "Cancel this run?" in asked.content.decode()
    assert ReportRun.objects.get(pk=running.pk).status == "pending"

    done = analyst_client.post(cancel_url(running), {"confirm": "yes"}, follow=True)

    assert done.redirect_chain == [(reverse("reporting:run-detail", args=[running.id]), 302)]
    page = done.content.decode()
    assert "Canceled: the run stopped and keeps no file" in page
    assert "Canceled by ana" in page
    assert ReportRun.objects.get(pk=running.pk).status == "failed"


def test_with_htmx_the_confirmed_cancel_answers_in_the_notice_line(analyst_client, running):
    response = analyst_client.post(cancel_url(running), {"confirm": "yes"}, headers=HX)

    assert response.status_code == 200
    assert response.content.decode() == f"Canceled: the run stopped and keeps no file ({running.id})."
    assert ReportRun.objects.get(pk=running.pk).error == "Canceled by ana"


def test_cancel_of_a_run_that_ended_says_so_and_changes_nothing(analyst_client, running):
    ReportRun.objects.get(pk=running.pk).mark_failed("The ledger was busy.")

    page = analyst_client.post(cancel_url(running), {"confirm": "yes"}, follow=True).content.decode()

    assert "This run already failed, so there was nothing to cancel." in page
    assert ReportRun.objects.get(pk=running.pk).error == "The ledger was busy."
    assert cancel_url(running) not in page  # no button on an ended run


def test_cancel_of_another_accounts_run_is_not_found(analyst_client):
    stranger = ReportRunFactory()

    assert analyst_client.post(cancel_url(stranger), {"confirm": "yes"}).status_code == 404
    assert ReportRun.objects.get(pk=stranger.pk).status == "pending"
