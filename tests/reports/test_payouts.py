"""The payouts itemized report: its golden file, filters, columns, and which payouts fall in an interval."""

from __future__ import annotations

import io

import pytest

from reporting.reports import get_report
from reporting.services import params_for
from tests.factories import ReportRunFactory

from .builders import at, payout, payout_txn
from .goldens import APRIL_START, MARCH_START, MAY_START, golden

pytestmark = pytest.mark.django_db

PAYOUTS = "payouts.itemized.1"


def run_report(account, **parameters) -> tuple[str, int]:
    run = ReportRunFactory(account=account, report_type_id=PAYOUTS, parameters=parameters)
    out = io.BytesIO()
    count = get_report(PAYOUTS).write(params_for(run), out)
    return out.getvalue().decode(), count


def test_payouts_itemized_matches_golden_file(golden_account):
    expected = golden("payouts_itemized_2025-03.csv")

    content, count = run_report(golden_account, interval_start=MARCH_START, interval_end=APRIL_START)

    assert content == expected
    assert count == 5


def test_payouts_itemized_automatic_payout_on_interval_end_is_next_month(
    golden_account,
):
    expected = golden("payouts_itemized_2025-04.csv")

    content, count = run_report(golden_account, interval_start=APRIL_START, interval_end=MAY_START)

    assert content == expected
    assert count == 1


def test_payouts_itemized_reporting_category_filter(golden_account):
    expected = golden("payouts_itemized_2025-03_payout_reversal.csv")

    content, count = run_report(
        golden_account,
        interval_start=MARCH_START,
        interval_end=APRIL_START,
        reporting_category="payout_reversal",
    )

    assert content == expected
    assert count == 1


def test_payouts_itemized_currency_filter(golden_account):
    expected = golden("payouts_itemized_2025-03_jpy.csv")

    content, count = run_report(
        golden_account,
        interval_start=MARCH_START,
        interval_end=APRIL_START,
        currency="jpy",
    )

    assert content == expected
    assert count == 1


def test_payouts_itemized_columns_select_and_order(golden_account):
    expected = golden("payouts_itemized_2025-03_columns.csv")

    content, _ = run_report(
        golden_account,
        interval_start=MARCH_START,
        interval_end=APRIL_START,
        columns=[
            "payout_id",
            "balance_transaction_id",
            "payout_reversed_at",  # in UTC: version 1 takes no timezone
            "payout_type",
            "payout_description",
            "payout_destination_id",
            "trace_id",
            "trace_id_status",
        ],
    )

    assert content == expected


def test_payouts_itemized_activity_category_filter_is_empty(golden_account):
    content, count = run_report(
        golden_account,
        interval_start=MARCH_START,
        interval_end=APRIL_START,
        reporting_category="charge",
    )

    assert content == golden("payouts_itemized_2025-03.csv").splitlines(keepends=True)[0]
    assert count == 0


def test_payouts_itemized_automatic_payout_dated_by_arrival_not_creation(account):
    po = payout(
        account,
        "po_a",
        12345,
        "usd",
        at(2025, 2, 27, 15, 30),
        at(2025, 3, 3),
        automatic=True,
    )
    payout_txn(account, "txn_po_a", po)

    february, _ = run_report(account, interval_start=1738368000, interval_end=MARCH_START)
    march, _ = run_report(account, interval_start=MARCH_START, interval_end=APRIL_START)

    assert february.count("\n") == 1
    assert (
        march.splitlines()[1]
        == '"po_a","2025-03-03 00:00:00","usd","123.45","0.00","123.45","payout","txn_po_a","STRIPE PAYOUT","2025-03-03 00:00:00","paid"'
    )


def test_payouts_itemized_negative_payout_stays_negative(account):
    po = payout(
        account,
        "po_debit",
        -1800,
        "usd",
        at(2025, 3, 2),
        at(2025, 3, 4),
        automatic=True,
    )
    payout_txn(account, "txn_po_debit", po)

    content, _ = run_report(
        account,
        interval_start=MARCH_START,
        interval_end=APRIL_START,
        columns=["payout_id", "gross", "fee", "net"],
    )

    assert content == '"payout_id","gross","fee","net"\n"po_debit","-18.00","0.00","-18.00"\n'


def test_payouts_itemized_ordered_by_effective_time_not_creation(account):
    auto = payout(account, "po_auto", 1000, "usd", at(2025, 3, 5, 9), at(2025, 3, 9), automatic=True)
    manual = payout(account, "po_manual", 2000, "usd", at(2025, 3, 7, 15), at(2025, 3, 9), automatic=False)
    payout_txn(account, "txn_po_auto", auto)
    payout_txn(account, "txn_po_manual", manual)

    content, _ = run_report(
        account, interval_start=MARCH_START, interval_end=APRIL_START, columns=["payout_id", "effective_at_utc"]
    )

    assert (
        content
        == '"payout_id","effective_at_utc"\n"po_manual","2025-03-07 15:00:00"\n"po_auto","2025-03-09 00:00:00"\n'
    )
