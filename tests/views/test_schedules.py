"""The dashboard's schedules: "Save as schedule" on the new-report form, the list, a schedule's page, the email toggle."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.urls import reverse

from reporting import tasks
from reporting.models import Membership, ReportRun, Schedule, ScheduledRun
from reporting.services import run_due_schedules
from tests.factories import AccountFactory, MembershipFactory, UserFactory
from tests.views.conftest import HX

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 11, 15, 12, tzinfo=UTC)


def schedule_post(analyst, **overrides):
    data = {
        # The new-report form as filled in (its dates are not used by a schedule) ...
        "report_type": "balance.summary.1",
        "start_date": "2025-10-01",
        "end_date": "2025-10-31",
        "timezone": "Europe/Berlin",
        "currency": "",
        "columns": ["category", "net_amount"],
        # ... and the "Save as schedule" section.
        "schedule-name": "Month-end balance",
        "schedule-period": "last_month",
        "schedule-cadence": "monthly",
        "schedule-weekday": "",
        "schedule-day_of_month": "31",
        "schedule-time_of_day": "07:30",
        "schedule-timezone": "America/New_York",
        "schedule-recipients": [str(analyst.pk)],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client, data, **kwargs):
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        return client.post(reverse("reporting:schedule-create"), data, **kwargs)


@pytest.fixture
def ana(analyst):
    analyst.email, analyst.timezone = "ana@example.com", "Europe/Berlin"
    analyst.save()
    return analyst


def test_the_form_offers_save_as_schedule_with_the_periods_the_type_takes(analyst_client, ana):
    page = analyst_client.get(reverse("reporting:run-create"), {"report_type": "balance.summary.1"}).content.decode()
    by_id = analyst_client.get(
        reverse("reporting:run-create"), {"report_type": "payout_reconciliation.by_id.summary.1"}, headers=HX
    ).content.decode()

    assert "Save as schedule" in page
    assert f'formaction="{reverse("reporting:schedule-create")}"' in page
    assert 'value="last_month"' in page
    assert 'value="last_automatic_payout"' not in page
    assert 'value="last_automatic_payout"' in by_id
    assert 'value="last_month"' not in by_id


def test_save_as_schedule_saves_it_and_shows_its_page_with_the_next_due_time_in_my_zone(analyst_client, ana):
    response = post(analyst_client, schedule_post(ana), headers=HX)

    schedule = Schedule.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == schedule.get_absolute_url()
    assert (schedule.owner, schedule.cadence, schedule.day_of_month, schedule.timezone) == (
        ana,
        "monthly",
        31,
        "America/New_York",
    )
    assert schedule.options == {"timezone": "Europe/Berlin", "columns": ["category", "net_amount"]}
    assert list(schedule.recipients.all()) == [ana]
    # Due 2025-11-30 07:30 in New York (the 31st of a 30-day month), shown in Berlin time.
    assert schedule.next_due_at == datetime(2025, 11, 30, 12, 30, tzinfo=UTC)
    page = analyst_client.get(schedule.get_absolute_url()).content.decode()
    assert "11/30/2025 1:30 p.m. CET" in page
    assert "Monthly on day 31 (the last day of shorter months) at 07:30 America/New_York" in page
    assert "ana@example.com" in page


def test_save_as_schedule_without_js_redirects(analyst_client, ana):
    response = post(analyst_client, schedule_post(ana))

    assert response.status_code == 302
    assert response["Location"] == Schedule.objects.get().get_absolute_url()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"schedule-cadence": "hourly"}, "Unknown cadence &quot;hourly&quot;"),
        ({"schedule-cadence": "weekly"}, "Choose the day of the week"),
        ({"schedule-day_of_month": "32"}, "A monthly schedule runs on a day from 1 to 31"),
        ({"schedule-period": "last_automatic_payout"}, "Select a valid choice"),
        ({"currency": "xyz"}, "Select a valid choice"),
        ({"schedule-timezone": "Mars/Olympus"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(analyst_client, ana, overrides, message):
    response = post(analyst_client, schedule_post(ana, **overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Schedule.objects.exists()


def test_a_recipient_outside_the_account_is_refused(analyst_client, ana):
    outsider = UserFactory(email="eve@elsewhere.example")
    MembershipFactory(user=outsider, account=AccountFactory())

    response = post(analyst_client, schedule_post(ana, **{"schedule-recipients": [str(ana.pk), str(outsider.pk)]}))

    assert response.status_code == 400
    assert f"{outsider.pk} is not a member of this account" in response.content.decode()
    assert "eve@elsewhere.example" not in response.content.decode()
    assert not Schedule.objects.exists()


def test_a_viewer_gets_no_schedule_section_and_may_not_post_one(client, account, ledger):
    viewer = UserFactory()
    MembershipFactory(user=viewer, account=account, role=Membership.Role.VIEWER)
    client.force_login(viewer)

    response = post(client, schedule_post(viewer))

    assert response.status_code == 403
    assert not Schedule.objects.exists()


def test_runs_of_a_schedule_carry_its_name_in_the_run_list(analyst_client, ana):
    post(analyst_client, schedule_post(ana))
    schedule = Schedule.objects.get()
    with mock.patch.object(tasks.run_report, "delay"):
        run_due_schedules(schedule.next_due_at)

    run = ReportRun.objects.get()
    listing = analyst_client.get(reverse("reporting:run-list")).content.decode()
    detail = analyst_client.get(run.get_absolute_url()).content.decode()
    history = analyst_client.get(schedule.get_absolute_url()).content.decode()
    assert f'Schedule: <a href="{schedule.get_absolute_url()}">Month-end balance</a>' in listing
    assert "Month-end balance" in detail
    assert run.id in history
    assert ScheduledRun.objects.get().run == run


def test_pause_resume_and_delete_from_the_schedule_page(analyst_client, ana):
    post(analyst_client, schedule_post(ana))
    schedule = Schedule.objects.get()

    analyst_client.post(reverse("reporting:schedule-pause", args=[schedule.id]))
    schedule.refresh_from_db()
    assert schedule.is_paused
    assert schedule.pause_reason == "Paused by ana."
    assert "Paused by ana." in analyst_client.get(reverse("reporting:schedule-list")).content.decode()
    analyst_client.post(reverse("reporting:schedule-resume", args=[schedule.id]))
    schedule.refresh_from_db()
    assert not schedule.is_paused
    assert schedule.next_due_at is not None
    analyst_client.post(reverse("reporting:schedule-delete", args=[schedule.id]))
    assert not Schedule.objects.exists()


def test_admins_see_why_a_demoted_owners_schedule_will_pause(analyst_client, ana, client, admin_member):
    post(analyst_client, schedule_post(ana))
    schedule = Schedule.objects.get()
    Membership.objects.filter(user=ana).update(role=Membership.Role.VIEWER)
    client.force_login(admin_member)

    page = client.get(schedule.get_absolute_url()).content.decode()

    assert "Its owner, ana, is now a viewer, who may not request reports." in page


def test_another_accounts_schedule_is_not_found(analyst_client, ana, client, account):
    post(analyst_client, schedule_post(ana))
    stranger = UserFactory()
    MembershipFactory(user=stranger, account=AccountFactory(), role=Membership.Role.ADMIN)
    client.force_login(stranger)
    schedule = Schedule.objects.get()

    assert client.get(schedule.get_absolute_url()).status_code == 404
    assert client.post(reverse("reporting:schedule-delete", args=[schedule.id])).status_code == 404
    assert Schedule.objects.exists()


def test_the_email_toggle_on_the_settings_page(analyst_client, ana):
    page = analyst_client.get(reverse("reporting:account-settings")).content.decode()
    analyst_client.post(reverse("reporting:email-preference"), {})
    ana.refresh_from_db()

    assert "Email me when my reports end" in page
    assert "ana@example.com" in page
    assert ana.email_on_run_end is False
    analyst_client.post(reverse("reporting:email-preference"), {"email_on_run_end": "on"})
    ana.refresh_from_db()
    assert ana.email_on_run_end is True
