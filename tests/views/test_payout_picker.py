"""The new-run form's payout picker: searching payouts by id, date or amount, and the by-id types that need one."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from reporting.models import ReportRun
from tests.factories import PayoutFactory
from tests.views.conftest import HX, create_url, posted

pytestmark = pytest.mark.django_db


# The registry's by-id type.
BY_ID = "payout_reconciliation.by_id.itemized.4"


@pytest.fixture
def payouts(account):
    """Automatic payouts of the test mode, plus ones the picker must never offer."""
    made = {
        "march": PayoutFactory(
            account=account, stripe_id="po_1Mar", amount=14820, arrival_date=datetime(2025, 3, 5, tzinfo=UTC)
        ),
        "april": PayoutFactory(
            account=account, stripe_id="po_1Apr", amount=990, arrival_date=datetime(2025, 4, 7, tzinfo=UTC)
        ),
        "yen": PayoutFactory(
            account=account,
            stripe_id="po_2Yen",
            amount=14820,
            currency="jpy",
            arrival_date=datetime(2025, 4, 9, tzinfo=UTC),
        ),
        "manual": PayoutFactory(
            account=account, stripe_id="po_1Man", automatic=False, arrival_date=datetime(2025, 3, 5, tzinfo=UTC)
        ),
        "live": PayoutFactory(
            account=account, stripe_id="po_1Liv", livemode=True, arrival_date=datetime(2025, 3, 5, tzinfo=UTC)
        ),
        "other": PayoutFactory(stripe_id="po_1Oth", amount=14820, arrival_date=datetime(2025, 3, 5, tzinfo=UTC)),
    }
    return made


def found(client, query, **headers):
    body = client.get(reverse("reporting:payout-search"), {"payout": query}, headers=headers).content.decode()
    return re.findall(r"<code>(po_\w+)</code>", body)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["po_2Yen", "po_1Apr", "po_1Mar"]),
        ("po_1", ["po_1Apr", "po_1Mar"]),
        ("po_1M", ["po_1Mar"]),
        ("2025-03-05", ["po_1Mar"]),
        ("2025-04", ["po_2Yen", "po_1Apr"]),
        ("148.20", ["po_1Mar"]),
        ("148,20", ["po_1Mar"]),
        ("14820", ["po_2Yen"]),
        ("9.9", ["po_1Apr"]),
        ("2025-02-30", []),
        ("po_9", []),
    ],
)
def test_payout_search_by_id_date_or_amount(analyst_client, payouts, query, expected):
    assert found(analyst_client, query, **HX) == expected


def test_payout_search_partial_offers_buttons_that_pick_the_id(analyst_client, payouts):
    body = analyst_client.get(reverse("reporting:payout-search"), {"payout": "po_1Mar"}, headers=HX).content.decode()

    assert body.lstrip().startswith('<div id="payout-results"')
    assert 'data-payout-pick="po_1Mar"' in body
    assert "148.20 USD" in body
    assert "arrives 03/05/2025" in body


def test_payout_search_is_limited_to_twenty_newest(analyst_client, account):
    for day in range(1, 26):
        PayoutFactory(account=account, stripe_id=f"po_d{day:02d}", arrival_date=datetime(2025, 5, day, tzinfo=UTC))

    ids = found(analyst_client, "po_d", **HX)

    assert ids == [f"po_d{day:02d}" for day in range(25, 5, -1)]


def test_payout_search_page_without_js_links_back_to_the_form(analyst_client, payouts):
    body = analyst_client.get(
        reverse("reporting:payout-search"), {"q": "po_1Mar", "report_type": "payouts.itemized.1"}
    ).content.decode()

    assert "<html" in body
    assert "data-payout-pick" not in body
    assert f'href="{reverse("reporting:run-create")}?report_type=payouts.itemized.1&amp;payout=po_1Mar"' in body


def test_payout_search_answers_only_in_the_live_mode_for_admins_there(client, admin_member, payouts):
    client.force_login(admin_member)
    client.post(reverse("reporting:switch-mode"), {"mode": "live", "confirm": "yes"})

    assert found(client, "po_1", **HX) == ["po_1Liv"]


def test_by_id_type_asks_for_the_payout_and_no_dates(analyst_client):
    body = analyst_client.get(create_url(report_type=BY_ID), headers=HX).content.decode()

    assert 'name="payout"' in body
    assert f'hx-get="{reverse("reporting:payout-search")}"' in body
    assert 'name="start_date"' not in body
    assert 'name="end_date"' not in body
    assert 'name="as_of"' not in body
    assert f'href="{reverse("reporting:payout-search")}?report_type={BY_ID}"' in body  # the no-JS way


def test_by_id_type_runs_for_an_automatic_payout_of_the_account(analyst_client, payouts):
    response = posted(analyst_client, {"report_type": BY_ID, "payout": "po_1Mar"})

    assert response.status_code == 302, response.context["form"].errors
    assert ReportRun.objects.get().parameters == {"payout": "po_1Mar"}


@pytest.mark.parametrize(
    ("payout", "message"),
    [
        ("", "This field is required."),
        ("po_1Man", "No such automatic payout: 'po_1Man'"),  # manual
        ("po_1Liv", "No such automatic payout: 'po_1Liv'"),  # live mode
        ("po_1Oth", "No such automatic payout: 'po_1Oth'"),  # another account
    ],
)
def test_by_id_type_refuses_other_payouts_next_to_the_field(analyst_client, payouts, payout, message):
    response = posted(analyst_client, {"report_type": BY_ID, "payout": payout})

    assert response.status_code == 400
    assert response.context["form"].errors["payout"] == [message]
    assert not ReportRun.objects.exists()


def test_switching_to_a_by_id_type_keeps_the_payout_typed(analyst_client):
    body = analyst_client.get(create_url(report_type=BY_ID, payout="po_1Mar"), headers=HX).content.decode()

    assert 'name="payout" id="id_payout" value="po_1Mar"' in body
