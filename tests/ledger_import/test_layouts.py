"""The layouts: which columns a file has, which it ignores, `_utc` columns and their local twins."""

from __future__ import annotations

import pytest

from reporting.ledger_import import BALANCE, PAYOUTS, parse
from reporting.models import BalanceTransaction, Payout
from reporting.reports import REPORT_TYPES, get_report

from .conftest import (
    BALANCE_CSV,
    BALANCE_HEADER,
    BALANCE_ID,
    BALANCE_ROWS,
    PAYOUTS_HEADER,
    PAYOUTS_ID,
    PAYOUTS_ROWS,
    at,
    csv,
    txn,
)

pytestmark = pytest.mark.django_db


def test_balance_file_names_the_columns_it_ignores(load, fresh):
    header = [*BALANCE_HEADER, "customer_tax_id", "metadata[order]"]
    output = load(fresh, csv(header, *[[*row, "DE123", "7"] for row in BALANCE_ROWS]))

    assert "ignored): customer_tax_id, metadata[order]." in output
    assert "ignored" not in load(fresh, BALANCE_CSV)


def test_local_time_columns_alone_are_read_as_utc(load, fresh):
    header = [
        "balance_transaction_id",
        "created",
        "available_on",
        "currency",
        "gross",
        "fee",
        "net",
        "reporting_category",
    ]
    output = load(
        fresh,
        csv(header, ["txn_1", "2025-06-01 10:00:00", "2025-06-03 00:00:00", "gbp", "1.00", "0.10", "0.90", "charge"]),
    )

    assert txn("txn_1").created == at(6, 1, 10)
    assert "Column created was read as UTC (the file has no created_utc)" in output
    assert "Column available_on was read as UTC" in output


def test_utc_columns_win_over_their_local_twins(load, fresh):
    header = [
        "balance_transaction_id",
        "created_utc",
        "created",
        "available_on_utc",
        "available_on",
        "currency",
        "gross",
        "fee",
        "net",
        "reporting_category",
    ]
    row = [
        "txn_1",
        "2025-06-01 10:00:00",
        "2025-06-01 11:00:00",
        "2025-06-03 00:00:00",
        "2025-06-03 01:00:00",
        "gbp",
        "1.00",
        "0.10",
        "0.90",
        "charge",
    ]

    output = load(fresh, csv(header, row))

    assert (txn("txn_1").created, txn("txn_1").available_on) == (at(6, 1, 10), at(6, 3))
    assert "read as UTC" not in output
    assert "ignored" not in output


NO_TZ_BALANCE = [*BALANCE_HEADER[:13], "automatic_payout_effective_at"]  # .1/.2 and the older reconciliations
NO_TZ_PAYOUTS = [*PAYOUTS_HEADER[:11], "payout_reversed_at", *PAYOUTS_HEADER[12:]]  # payouts.itemized.1/.2


@pytest.mark.parametrize(
    ("header", "rows", "payout", "field", "value"),
    [
        (NO_TZ_BALANCE, [r[:14] for r in BALANCE_ROWS], "po_1", "effective_at", at(3, 5)),
        (NO_TZ_PAYOUTS, PAYOUTS_ROWS, "po_3", "reversed_at", at(3, 12, 9, 15)),
    ],
)
def test_bare_columns_of_versions_without_a_time_zone_are_utc_without_a_note(
    load, fresh, header, rows, payout, field, value
):
    """The versions without a timezone parameter document these bare names as UTC."""
    output = load(fresh, csv(header, *rows))

    assert "read as UTC" not in output
    assert getattr(Payout.objects.get(stripe_id=payout), field) == value


@pytest.mark.parametrize(
    ("header", "rows", "local", "column"),
    [
        (NO_TZ_BALANCE, [r[:14] for r in BALANCE_ROWS], "created", "automatic_payout_effective_at"),
        (NO_TZ_PAYOUTS, PAYOUTS_ROWS, "effective_at", "payout_reversed_at"),
    ],
)
def test_bare_columns_are_noted_when_the_file_was_run_in_a_time_zone(load, fresh, header, rows, local, column):
    """A local twin of another column (`created`) exists only in the versions with a timezone parameter."""
    at_utc = header.index(f"{local}_utc")
    header = [*header[: at_utc + 1], local, *header[at_utc + 1 :]]
    rows = [[*r[: at_utc + 1], r[at_utc], *r[at_utc + 1 :]] for r in rows]

    output = load(fresh, csv(header, *rows))

    assert f"Column {column} was read as UTC (the file has no {column}_utc)" in output
    assert f"Column {local} was read" not in output  # its _utc twin was read


def test_default_column_files_import(load, fresh):
    """Stripe's default columns: the nine of the balance file, the eleven of the payouts file."""
    balance = get_report(BALANCE_ID).default_columns
    payouts = get_report(PAYOUTS_ID).default_columns
    load(fresh, csv(balance, *[[r[BALANCE_HEADER.index(c)] for c in balance] for r in BALANCE_ROWS]))
    load(fresh, csv(payouts, *[[r[PAYOUTS_HEADER.index(c)] for c in payouts] for r in PAYOUTS_ROWS]))

    assert BalanceTransaction.objects.count() == 8
    assert Payout.objects.get(stripe_id="po_3").status == "failed"


ITEMIZED_IDS = [i for i, report in REPORT_TYPES.items() if "balance_transaction_id" in report.column_names]


@pytest.mark.parametrize("report_id", ITEMIZED_IDS)
def test_every_column_of_every_itemized_version_is_read(report_id):
    report = REPORT_TYPES[report_id]
    metadata = [f"{field}[k]" for field in report.metadata_fields]

    parsed = parse(csv([*report.column_names, *metadata]))

    assert parsed.ignored_columns == []
    assert parsed.layout == (PAYOUTS if "payout_id" in report.column_names else BALANCE)
