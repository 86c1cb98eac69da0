"""The new-run form: fields for the chosen type, defaults, a valid request enqueued on commit, errors next to fields."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from reporting import tasks
from reporting.models import Event, Membership, ReportRun
from tests.factories import MembershipFactory
from tests.views.conftest import HX

pytestmark = pytest.mark.django_db


def valid_post(**overrides):
    data = {
        "report_type": "balance.summary.1",
        "start_date": "2025-09-01",
        "end_date": "2025-09-30",
        "timezone": "Etc/UTC",
        "currency": "",
        "columns": ["category", "net_amount"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_form_swaps_fields_for_chosen_type(analyst_client):
    url = reverse("reporting:run-create")

    summary = analyst_client.get(url, {"report_type": "balance.summary.1"}, headers=HX).content.decode()
    itemized = analyst_client.get(url, {"report_type": "payouts.itemized.1"}, headers=HX).content.decode()

    assert 'name="timezone"' in summary
    assert 'name="reporting_category"' not in summary
    assert 'name="reporting_category"' in itemized
    assert 'name="timezone"' not in itemized
    assert 'value="payout_id"' in itemized
    assert "<html" not in itemized


def test_form_defaults_to_last_full_month_in_user_timezone(analyst_client):
    with mock.patch("django.utils.timezone.now", return_value=datetime(2025, 11, 15, 12, tzinfo=UTC)):
        body = analyst_client.get(reverse("reporting:run-create")).content.decode()

    assert 'value="2025-10-01"' in body
    assert 'value="2025-10-31"' in body
    assert "Data available from 01/03/2025 to 11/30/2025 (days in your time zone, both included)" in body


def test_valid_submit_creates_pending_run_and_enqueues_after_commit(
    analyst_client, analyst, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(tasks.run_report, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = analyst_client.post(reverse("reporting:run-create"), valid_post(), headers=HX)

    run = ReportRun.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("reporting:run-list")
    assert run.status == "pending"
    assert run.requested_by == analyst
    assert run.requested_via == "dashboard"
    assert run.parameters == {
        "interval_start": 1756684800,
        "interval_end": 1759276800,
        "timezone": "Etc/UTC",
        "columns": ["category", "net_amount"],
    }
    assert len(callbacks) == 1
    delay.assert_called_once_with(run.pk)
    assert Event.objects.filter(action="run.requested", object_id=run.id, door="dashboard").exists()


def test_dates_are_taken_in_the_users_timezone(analyst_client, analyst):
    analyst.timezone = "Europe/Berlin"
    analyst.save()

    with mock.patch.object(tasks.run_report, "delay"):
        analyst_client.post(reverse("reporting:run-create"), valid_post(timezone="Europe/Berlin"))

    params = ReportRun.objects.get().parameters
    assert params["interval_start"] == int(datetime(2025, 8, 31, 22, tzinfo=UTC).timestamp())
    assert params["interval_end"] == int(datetime(2025, 9, 30, 22, tzinfo=UTC).timestamp())


def test_viewer_cannot_request(client, account, ledger):
    viewer = MembershipFactory(account=account, role=Membership.Role.VIEWER).user
    client.force_login(viewer)

    response = client.post(reverse("reporting:run-create"), valid_post())

    assert response.status_code == 403
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end_date": "2025-08-01"}, "end_date", "must not be before"),
        ({"start_date": "2024-12-01"}, "start_date", "The start date is before the first day with data, Jan. 3, 2025."),
        ({"end_date": "2025-12-05"}, "end_date", "The end date is after the last day with data, Nov. 30, 2025."),
        ({"report_type": "nope.summary.1"}, "report_type", "Select a valid choice"),
        ({"report_type": "payouts.itemized.1", "columns": None}, None, "Unknown parameter: timezone"),
        ({"surprise": "1"}, None, "Unknown parameter: surprise"),
        ({"columns": ["category", "bogus"]}, "columns", "balance.summary.1 has no column 'bogus'."),
        ({"columns": ["category", "category"]}, "columns", "Column 'category' is named twice"),
        (
            {"report_type": "balance_change_from_activity.itemized.1", "timezone": None, "columns": ["dispute_reason"]},
            "columns",
            "has no column 'dispute_reason' (it is a column of balance_change_from_activity.itemized.2",
        ),
        (
            {
                "report_type": "balance_change_from_activity.itemized.2",
                "timezone": None,
                "columns": ["payment_metadata[]"],
            },
            "columns",
            "Column 'payment_metadata[]' names no metadata key",
        ),
        (
            {
                "report_type": "balance_change_from_activity.itemized.2",
                "timezone": None,
                "columns": [f"refund_metadata[{'x' * 41}]"],
            },
            "columns",
            "longer than 40 characters",
        ),
        ({"start_date": "2025-13-45"}, "start_date", "Enter a valid date"),
        ({"start_date": "99999-01-01"}, "start_date", "Enter a valid date"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Select a valid choice"),
        ({"currency": "xyz"}, "currency", "Select a valid choice"),
    ],
)
def test_bad_input_shows_error_next_to_field_and_creates_nothing(analyst_client, overrides, field, message):
    response = analyst_client.post(reverse("reporting:run-create"), valid_post(**overrides))

    assert response.status_code == 400
    form = response.context["form"]
    errors = form.errors.get(field or "__all__")
    assert errors, form.errors
    assert message in " ".join(errors)
    assert not ReportRun.objects.exists()


def test_bad_input_htmx_rerenders_form_partial(analyst_client):
    response = analyst_client.post(reverse("reporting:run-create"), valid_post(end_date="2025-08-01"), headers=HX)

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="run-form"')
    assert "must not be before" in body
    assert not ReportRun.objects.exists()


def test_post_without_csrf_token_is_refused(analyst, ledger):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)

    response = client.post(reverse("reporting:run-create"), valid_post())

    assert response.status_code == 403
    assert not ReportRun.objects.exists()
