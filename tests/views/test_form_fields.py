"""The new-run form's category, time zone and decimal separator selects, and the ending-balance types' one day."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from reporting.categories import REPORTING_CATEGORIES
from reporting.models import ReportRun
from tests.views.conftest import HX, create_url, posted

pytestmark = pytest.mark.django_db


# The registry's ending-balance type.
AS_OF = "ending_balance_reconciliation.summary.1"


def test_category_select_offers_every_reporting_category(analyst_client):
    body = analyst_client.get(create_url(report_type="payouts.itemized.1"), headers=HX).content.decode()

    select = body[body.index('name="reporting_category"') :]
    select = select[: select.index("</select>")]
    assert re.findall(r'<option value="([^"]*)"', select) == ["", *REPORTING_CATEGORIES]


def test_category_is_stored(analyst_client):
    data = {
        "report_type": "payouts.itemized.1",
        "start_date": "2025-09-01",
        "end_date": "2025-09-30",
        "reporting_category": "payout_reversal",
    }

    posted(analyst_client, data)

    assert ReportRun.objects.get().parameters["reporting_category"] == "payout_reversal"


def test_timezone_select_defaults_to_the_users_zone(analyst_client, analyst):
    analyst.timezone = "Asia/Tokyo"
    analyst.save()

    body = analyst_client.get(create_url(report_type="balance.summary.1")).content.decode()

    select = body[body.index('name="timezone"') :]
    select = select[: select.index("</select>")]
    assert re.findall(r'<option value="([^"]+)" selected>', select) == ["Asia/Tokyo"]


def test_decimal_separator_select_defaults_to_a_point(analyst_client):
    data = {"report_type": "payouts.itemized.1", "start_date": "2025-09-01", "end_date": "2025-09-30"}

    body = analyst_client.get(create_url(report_type="payouts.itemized.1"), headers=HX).content.decode()
    posted(analyst_client, {**data, "decimal_separator": "."})
    posted(analyst_client, {**data, "decimal_separator": ","})
    bad = posted(analyst_client, {**data, "decimal_separator": ";"})

    assert '<option value="." selected>Point: 1234.56</option>' in body
    assert [r.parameters.get("decimal_separator") for r in ReportRun.objects.order_by("created", "id")] == [None, ","]
    assert "decimal_separator" in bad.context["form"].errors


# Ending-balance types: one "as of" day


def test_as_of_type_asks_for_one_day_and_runs_to_the_midnight_after_it(analyst_client, analyst):
    analyst.timezone = "Europe/Berlin"
    analyst.save()

    body = analyst_client.get(create_url(report_type=AS_OF), headers=HX).content.decode()
    response = posted(analyst_client, {"report_type": AS_OF, "as_of": "2025-09-30"})

    assert 'name="as_of"' in body
    assert 'name="start_date"' not in body
    assert 'name="end_date"' not in body
    assert response.status_code == 302, response.context["form"].errors
    assert ReportRun.objects.get().parameters == {
        "interval_end": int(datetime(2025, 9, 30, 22, tzinfo=UTC).timestamp())
    }


def test_as_of_after_data_available_end_is_an_error_next_to_the_day(analyst_client):

    response = posted(analyst_client, {"report_type": AS_OF, "as_of": "2025-12-05"})

    assert response.status_code == 400
    assert response.context["form"].errors["as_of"] == [
        "The as-of date is after the last day with data, Nov. 30, 2025."
    ]


def test_switching_type_keeps_the_days_typed(analyst_client):

    as_of = analyst_client.get(
        create_url(report_type=AS_OF, start_date="2025-06-01", end_date="2025-06-30"), headers=HX
    ).content.decode()
    back = analyst_client.get(create_url(report_type="balance.summary.1", as_of="2025-07-31"), headers=HX)

    assert 'name="as_of" value="2025-06-30"' in as_of
    assert 'name="end_date" value="2025-07-31"' in back.content.decode()
