"""The balance summary and the balance-change itemized report: golden files, filters, columns, interval edges."""

from __future__ import annotations

import csv
import io

import pytest

from reporting.reports import Params, get_report
from reporting.services import params_for
from tests.factories import ReportRunFactory

from .builders import at, txn
from .goldens import APRIL_START, MARCH_START, MAY_START, golden

pytestmark = pytest.mark.django_db

SUMMARY = "balance.summary.1"
ITEMIZED = "balance_change_from_activity.itemized.1"


def run_report(account, report_type, **parameters) -> tuple[str, int]:
    run = ReportRunFactory(account=account, report_type_id=report_type, parameters=parameters)
    out = io.BytesIO()
    count = get_report(report_type).write(params_for(run), out)
    return out.getvalue().decode(), count


# balance.summary.1


def test_summary_matches_golden_file(golden_account):
    expected = golden("balance_summary_2025-03.csv")

    content, count = run_report(golden_account, SUMMARY, interval_start=MARCH_START, interval_end=APRIL_START)

    assert content == expected
    assert count == 24


def test_summary_timezone_moves_only_the_description_dates(golden_account):
    expected = golden("balance_summary_2025-03_new_york.csv")

    content, _ = run_report(
        golden_account,
        SUMMARY,
        interval_start=MARCH_START,
        interval_end=APRIL_START,
        timezone="America/New_York",
    )

    assert content == expected


def test_summary_currency_filter_keeps_one_block(golden_account):
    expected = golden("balance_summary_2025-03_jpy.csv")

    content, count = run_report(
        golden_account,
        SUMMARY,
        interval_start=MARCH_START,
        interval_end=APRIL_START,
        currency="jpy",
    )

    assert content == expected
    assert count == 8


def test_summary_next_month_starts_where_the_last_ended(golden_account):
    expected = golden("balance_summary_2025-04.csv")

    content, _ = run_report(golden_account, SUMMARY, interval_start=APRIL_START, interval_end=MAY_START)

    assert content == expected


def test_summary_columns_select_and_order(golden_account):
    expected = '"currency","net_amount"\n"jpy","9640"\n"jpy","800"\n"jpy","-83"\n"jpy","717"\n"jpy","-5000"\n"jpy","0"\n"jpy","-5000"\n"jpy","5357"\n'

    content, _ = run_report(
        golden_account,
        SUMMARY,
        interval_start=MARCH_START,
        interval_end=APRIL_START,
        currency="jpy",
        columns=["currency", "net_amount"],
    )

    assert content == expected


def test_summary_empty_ledger_writes_only_the_header(account):
    report = get_report(SUMMARY)

    content, count = run_report(account, SUMMARY, interval_start=MARCH_START, interval_end=APRIL_START)

    assert content == '"category","description","net_amount","currency"\n'
    assert count == 0
    assert report.default_columns == [
        "category",
        "description",
        "net_amount",
        "currency",
    ]


def test_summary_one_second_interval_includes_start_excludes_end(account):
    txn(account, "txn_a", "charge", at(2025, 3, 1), 1000, 59, "usd", "at start")
    txn(account, "txn_b", "charge", at(2025, 3, 1, 0, 0, 1), 2000, 88, "usd", "at end")
    params = Params(
        account_id=account.id,
        livemode=False,
        interval_start=at(2025, 3, 1),
        interval_end=at(2025, 3, 1, 0, 0, 1),
    )

    out = io.BytesIO()
    get_report(SUMMARY).write(params, out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode())))
    amounts = {r["category"]: r["net_amount"] for r in rows}
    assert amounts["activity"] == "9.41"
    assert amounts["ending_balance"] == "9.41"
    assert rows[0]["description"] == "Starting balance (2025-03-01)"
    assert rows[-1]["description"] == "Ending balance (2025-03-01)"


def test_summary_local_midnight_interval_names_local_calendar_days(account):
    # What the dashboard sends for "March 2025 in New York": local midnights (EST, then EDT).
    txn(
        account,
        "txn_a",
        "charge",
        at(2025, 3, 1, 4, 59, 59),
        1000,
        0,
        "usd",
        "before local March",
    )
    txn(
        account,
        "txn_b",
        "charge",
        at(2025, 4, 1, 3, 59, 59),
        2000,
        0,
        "usd",
        "last local March second",
    )
    run = ReportRunFactory(
        account=account,
        report_type_id=SUMMARY,
        parameters={
            "interval_start": 1740805200,
            "interval_end": 1743480000,
            "timezone": "America/New_York",
        },
    )

    out = io.BytesIO()
    get_report(SUMMARY).write(params_for(run), out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode())))
    assert [(r["description"], r["net_amount"]) for r in rows if "balance" in r["category"]] == [
        ("Starting balance (2025-03-01)", "10.00"),
        ("Ending balance (2025-03-31)", "30.00"),
    ]


# balance_change_from_activity.itemized.1


def test_itemized_matches_golden_file(golden_account):
    expected = golden("balance_change_itemized_2025-03.csv")

    content, count = run_report(golden_account, ITEMIZED, interval_start=MARCH_START, interval_end=APRIL_START)

    assert content == expected
    assert count == 11


def test_itemized_april_starts_with_the_row_on_its_start(golden_account):
    expected = golden("balance_change_itemized_2025-04.csv")

    content, count = run_report(golden_account, ITEMIZED, interval_start=APRIL_START, interval_end=MAY_START)

    assert content == expected
    assert count == 2


def test_itemized_columns_select_and_order(golden_account):
    expected = golden("balance_change_itemized_2025-03_columns.csv")

    content, _ = run_report(
        golden_account,
        ITEMIZED,
        interval_start=MARCH_START,
        interval_end=APRIL_START,
        columns=["net", "balance_transaction_id", "automatic_payout_id"],
    )

    assert content == expected


def test_itemized_reporting_category_filter(golden_account):
    expected = golden("balance_change_itemized_2025-03_refund.csv")

    content, count = run_report(
        golden_account,
        ITEMIZED,
        interval_start=MARCH_START,
        interval_end=APRIL_START,
        reporting_category="refund",
    )

    assert content == expected
    assert count == 2


def test_itemized_payout_category_filter_is_empty(golden_account):
    content, count = run_report(
        golden_account,
        ITEMIZED,
        interval_start=MARCH_START,
        interval_end=APRIL_START,
        reporting_category="payout",
    )

    assert content == golden("balance_change_itemized_2025-03.csv").splitlines(keepends=True)[0]
    assert count == 0


def test_itemized_currency_filter(golden_account):
    lines = golden("balance_change_itemized_2025-03.csv").splitlines(keepends=True)
    expected = lines[0] + "".join(line for line in lines[1:] if ',"eur",' in line)

    content, count = run_report(
        golden_account,
        ITEMIZED,
        interval_start=MARCH_START,
        interval_end=APRIL_START,
        currency="eur",
    )

    assert content == expected
    assert count == 1


def test_itemized_optional_columns_null_and_empty(account):
    txn(account, "txn_a", "charge", at(2025, 3, 2), 1000, 59, "usd", None)
    txn(account, "txn_b", "charge", at(2025, 3, 3), 1000, 59, "usd", "")
    params = Params(
        account_id=account.id,
        livemode=False,
        interval_start=at(2025, 3, 1),
        interval_end=at(2025, 4, 1),
        columns=[
            "balance_transaction_id",
            "source_id",
            "description",
            "customer_facing_amount",
            "automatic_payout_effective_at",
        ],
    )

    out = io.BytesIO()
    get_report(ITEMIZED).write(params, out)

    assert out.getvalue().decode() == (
        '"balance_transaction_id","source_id","description","customer_facing_amount","automatic_payout_effective_at"\n'
        '"txn_a",,,,\n'
        '"txn_b",,"",,\n'
    )


# write(): row count and default header


@pytest.mark.parametrize(("report_type", "rows"), [(SUMMARY, 24), (ITEMIZED, 11), ("payouts.itemized.1", 5)])
def test_write_returns_row_count_and_default_header(golden_account, report_type, rows):
    report = get_report(report_type)
    params = Params(
        account_id=golden_account.id,
        livemode=False,
        interval_start=at(2025, 3, 1),
        interval_end=at(2025, 4, 1),
    )
    out = io.BytesIO()

    count = report.write(params, out)

    lines = out.getvalue().decode().split("\n")
    assert count == rows
    assert lines[-1] == ""  # LF-terminated
    assert len(lines) - 2 == rows
    assert next(csv.reader([lines[0]])) == report.default_columns


@pytest.mark.parametrize("report_type", [SUMMARY, ITEMIZED, "payouts.itemized.1"])
def test_write_in_small_batches_gives_the_same_file(golden_account, monkeypatch, report_type):
    report = get_report(report_type)
    params = Params(
        account_id=golden_account.id,
        livemode=False,
        interval_start=at(2025, 3, 1),
        interval_end=at(2025, 4, 1),
    )
    whole = io.BytesIO()
    whole_count = report.write(params, whole)
    monkeypatch.setattr("reporting.reports.formats.CHUNK_ROWS", 2)
    batched = io.BytesIO()

    batched_count = report.write(params, batched)

    assert batched.getvalue().decode() == whole.getvalue().decode()
    assert batched_count == whole_count


def test_itemized_rows_at_the_same_time_keep_ledger_order(account):
    for stripe_id in ("txn_c", "txn_a", "txn_b"):
        txn(account, stripe_id, "charge", at(2025, 3, 2, 12), 1000, 59, "usd", "same second")
    params = Params(
        account_id=account.id,
        livemode=False,
        interval_start=at(2025, 3, 1),
        interval_end=at(2025, 4, 1),
        columns=["balance_transaction_id"],
    )

    out = io.BytesIO()
    get_report(ITEMIZED).write(params, out)

    assert out.getvalue().decode() == '"balance_transaction_id"\n"txn_c"\n"txn_a"\n"txn_b"\n'
