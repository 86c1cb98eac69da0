"""The new-run form never loses the user: presets, an error summary, finance wording, the days it offers, one run per form.

The test ledger's data runs from 2025-01-03 00:00 UTC to 2025-12-01 00:00 UTC (exclusive).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.urls import reverse

from reporting.models import ReportRun
from reporting.periods import preset_days
from tests.views.conftest import HX, create_url, posted

pytestmark = pytest.mark.django_db

DEC_10 = datetime(2025, 12, 10, 12, tzinfo=UTC)


def form_post(**overrides):
    data = {
        "report_type": "balance.summary.1",
        "period": "custom",
        "start_date": "2025-09-01",
        "end_date": "2025-09-30",
        "timezone": "Etc/UTC",
        "columns": ["category", "net_amount"],
        "columns_listed": "True",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("preset", "today", "days"),
    [
        ("last_month", date(2026, 3, 15), (date(2026, 2, 1), date(2026, 2, 28))),
        ("last_quarter", date(2026, 1, 5), (date(2025, 10, 1), date(2025, 12, 31))),
        ("last_quarter", date(2026, 5, 31), (date(2026, 1, 1), date(2026, 3, 31))),
        ("year_to_date", date(2026, 3, 15), (date(2026, 1, 1), date(2026, 3, 14))),
        ("last_7_days", date(2026, 3, 1), (date(2026, 2, 22), date(2026, 2, 28))),
    ],
)
def test_preset_days(preset, today, days):
    assert preset_days(preset, today) == days


def test_presets_are_cut_to_the_days_with_data_and_fill_the_dates_without_javascript(analyst_client):
    with mock.patch("django.utils.timezone.now", return_value=DEC_10):
        body = analyst_client.get(create_url(report_type="balance.summary.1"), headers=HX).content.decode()
        no_js = analyst_client.get(create_url(report_type="balance.summary.1", period="year_to_date")).content

    select = body[body.index('name="period"') :]
    select = select[: select.index("</select>")]
    options = re.findall(r'<option value="(\w+)"(?: selected)?(?: data-start="([\d-]+)" data-end="([\d-]+)")?>', select)
    assert options == [
        ("last_month", "2025-11-01", "2025-11-30"),
        ("last_quarter", "2025-07-01", "2025-09-30"),
        ("year_to_date", "2025-01-03", "2025-11-30"),  # cut to the data; the last 7 days have none yet
        ("custom", "", ""),
    ]
    assert 'name="start_date" value="2025-01-03"' in no_js.decode()
    assert 'name="end_date" value="2025-11-30"' in no_js.decode()


def test_an_error_is_summarised_at_the_top_linked_to_its_field_and_worded_for_finance(analyst_client):
    response = analyst_client.post(reverse("reporting:run-create"), form_post(end_date="2025-12-05"), headers=HX)

    body = response.content.decode()
    summary = body[body.index('id="error-summary"') : body.index("</ul>")]
    assert 'tabindex="-1"' in body[body.index('<div class="error-summary"') :][:120]
    assert '<a href="#id_end_date">The end date is after the last day with data, Nov. 30, 2025.</a>' in summary, summary
    assert body.index('id="error-summary"') < body.index('name="report_type"')
    field = re.search(r'<input type="date" name="end_date"[^>]*>', body)
    assert field is not None
    assert 'aria-invalid="true"' in field[0]
    assert 'aria-describedby="id_end_date_helptext id_end_date_error"' in field[0]
    assert 'id="id_end_date_error"' in body
    assert "interval_end" not in body
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize(
    ("zone", "first", "last"),
    [
        ("Etc/UTC", "2025-01-03", "2025-11-30"),
        ("Europe/Berlin", "2025-01-03", "2025-11-30"),
        ("America/New_York", "2025-01-02", "2025-11-29"),
    ],
)
def test_the_first_and_last_days_the_form_offers_are_accepted(analyst_client, analyst, zone, first, last):
    analyst.timezone = zone
    analyst.save()

    page = analyst_client.get(reverse("reporting:run-create")).content.decode()
    response = posted(analyst_client, form_post(start_date=first, end_date=last, timezone=zone))

    us = "{1}/{2}/{0}".format  # the page writes days as the default language does (en-us)
    assert f"Data available from {us(*first.split('-'))} to {us(*last.split('-'))}" in page
    assert response.status_code == 302, response.context["form"].errors
    interval = ReportRun.objects.get().parameters
    assert interval["interval_start"] >= int(datetime(2025, 1, 3, tzinfo=UTC).timestamp())
    assert interval["interval_end"] <= int(datetime(2025, 12, 1, tzinfo=UTC).timestamp())


def test_an_as_of_day_before_the_data_is_refused(analyst_client):
    response = posted(analyst_client, {"report_type": "ending_balance_reconciliation.summary.1", "as_of": "2025-01-02"})

    assert response.status_code == 400
    assert response.context["form"].errors["as_of"] == [
        "The as-of date is before the first day with data, Jan. 3, 2025."
    ]


def test_at_least_one_column_and_metadata_keys_up_to_40_characters(analyst_client):
    itemized = {"report_type": "balance_change_from_activity.itemized.2", "timezone": None}

    none = posted(analyst_client, form_post(columns=None))
    forty = posted(analyst_client, form_post(**itemized, columns=[f"payment_metadata[{'k' * 40}]"]))

    assert none.context["form"].errors["columns"] == ["Choose at least one column."]
    assert forty.status_code == 302, forty.context["form"].errors
    assert ReportRun.objects.get().parameters["columns"] == [f"payment_metadata[{'k' * 40}]"]


def test_the_same_form_posted_twice_makes_one_run_and_shows_it(analyst_client):
    refused = posted(analyst_client, form_post(once="f" * 32, end_date="2025-12-05"), headers=HX)
    first = posted(analyst_client, form_post(once="f" * 32), headers=HX)
    second = posted(analyst_client, form_post(once="f" * 32), headers=HX)
    other = posted(analyst_client, form_post(once="e" * 32), headers=HX)

    assert 'value="ffffffffffffffffffffffffffffffff"' in refused.content.decode()  # a refusal keeps the token
    runs = list(ReportRun.objects.order_by("created", "id"))
    assert len(runs) == 2
    assert first["HX-Redirect"] == reverse("reporting:run-list")
    assert second["HX-Redirect"] == reverse("reporting:run-detail", args=[runs[0].id])
    assert other["HX-Redirect"] == reverse("reporting:run-list")


@pytest.mark.parametrize(
    ("start", "end", "period"),
    [
        ("2025-11-01", "2025-11-30", "last_month"),
        ("2025-07-01", "2025-09-30", "last_quarter"),
        ("2025-10-01", "2025-10-31", "custom"),
    ],
)
def test_days_given_without_a_period_select_the_preset_with_those_days_or_custom(analyst_client, start, end, period):
    """As "Run again" opens the form: its days pick the period that names them."""
    with mock.patch("django.utils.timezone.now", return_value=DEC_10):
        body = analyst_client.get(
            create_url(report_type="balance.summary.1", start_date=start, end_date=end)
        ).content.decode()

    assert re.findall(r'<option value="(\w+)" selected', body[body.index('name="period"') :])[0] == period
    assert f'name="start_date" value="{start}"' in body
