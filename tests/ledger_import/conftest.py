"""Shared by the ledger importer's tests: the sample files in Stripe's layouts and running the command."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from reporting.models import BalanceTransaction, DailyTotal, DataWatermark, Event, Payout
from reporting.reports.formats import csv_line
from tests.factories import AccountFactory

BALANCE_ID = "balance_change_from_activity.itemized.1"
PAYOUTS_ID = "payouts.itemized.1"


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def csv(*lines: list[str | None]) -> str:
    """Write lines in Stripe's dialect: every value quoted, None written as an empty (null) cell."""
    return "".join(csv_line(line) for line in lines)


BALANCE_HEADER = [
    "balance_transaction_id",
    "created_utc",
    "available_on_utc",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "source_id",
    "description",
    "customer_facing_amount",
    "customer_facing_currency",
    "automatic_payout_id",
    "automatic_payout_effective_at_utc",
    "customer_id",
    "customer_name",
]
# fmt: off
BALANCE_ROWS: list[list[str | None]] = [
    ["txn_1", "2025-03-01 10:00:00", "2025-03-03 00:00:00", "usd", "10.50", "0.61", "9.89", "charge", "ch_1", "Order 1", "9.70", "eur", "po_1", "2025-03-05 00:00:00", "cus_1", "Jane"],
    ["txn_2", "2025-03-02 11:30:00", "2025-03-04 00:00:00", "usd", "-10.50", "0.00", "-10.50", "refund", "re_1", None, "-9.70", "eur", "po_1", "2025-03-05 00:00:00", None, None],
    ["txn_3", "2025-03-02 12:00:00", "2025-03-02 12:00:00", "jpy", "1500", "45", "1455", "charge", "ch_2", "", "1500", "jpy", None, None, "", None],
    ["txn_4", "2025-03-03 09:00:00", "2025-03-05 00:00:00", "kwd", "-1.250", "0.000", "-1.250", "other_adjustment", None, "Adjust", None, None, None, None, None, None],
]
# fmt: on
BALANCE_CSV = csv(BALANCE_HEADER, *BALANCE_ROWS)

PAYOUTS_HEADER = [
    "payout_id",
    "effective_at_utc",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "balance_transaction_id",
    "description",
    "payout_expected_arrival_date",
    "payout_status",
    "payout_reversed_at_utc",
    "payout_type",
    "payout_description",
    "payout_destination_id",
    "trace_id",
    "trace_id_status",
]
# fmt: off
PAYOUTS_ROWS: list[list[str | None]] = [
    ["po_1", "2025-03-05 00:00:00", "usd", "148.20", "0.00", "148.20", "payout", "txn_po_1", "STRIPE PAYOUT", "2025-03-05 00:00:00", "paid", None, "bank_account", "STRIPE PAYOUT", "ba_1", "STRIPE-T1", "supported"],
    ["po_2", "2025-03-06 00:00:00", "usd", "-18.00", "0.00", "-18.00", "payout", "txn_po_2", "STRIPE PAYOUT", "2025-03-06 00:00:00", "paid", None, "bank_account", "STRIPE PAYOUT", "ba_1", None, None],
    ["po_3", "2025-03-09 00:41:05", "jpy", "5000", "-50", "5050", "payout", "txn_po_3", "STRIPE PAYOUT", "2025-03-11 00:00:00", "failed", "2025-03-12 09:15:00", "card", "Instant", None, None, None],
    ["po_3", "2025-03-12 09:15:00", "jpy", "-5000", "0", "-5000", "payout_reversal", "txn_po_3_rev", "Payout failure", "2025-03-11 00:00:00", "failed", "2025-03-12 09:15:00", "card", "Instant", None, None, None],
]
# fmt: on
PAYOUTS_CSV = csv(PAYOUTS_HEADER, *PAYOUTS_ROWS)


@pytest.fixture
def load(tmp_path):
    """Run `import_ledger` on a file with this text (or bytes); return what it printed."""

    def load(account, data, *args, name="export.csv"):
        path = tmp_path / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        out = io.StringIO()
        call_command("import_ledger", "--account", account.id, *args, str(path), stdout=out)
        return out.getvalue()

    return load


@pytest.fixture
def fresh(db):
    return AccountFactory(name="Fresh", created=at(1, 1))


def txn(stripe_id, **filters):
    return BalanceTransaction.objects.select_related("payout", "automatic_payout").get(stripe_id=stripe_id, **filters)


def ledger_state():
    return (
        sorted(BalanceTransaction.objects.values_list("account_id", "livemode", "stripe_id", "amount")),
        sorted(Payout.objects.values_list("account_id", "livemode", "stripe_id", "amount", "status")),
        sorted(DailyTotal.objects.values_list("account_id", "day", "currency", "reporting_category", "count", "net")),
        sorted(DataWatermark.objects.values_list("account_id", "livemode", "complete_through")),
        Event.objects.count(),
    )


def with_cell(line: int, column: str, value: str | None, header=BALANCE_HEADER, rows=BALANCE_ROWS) -> str:
    """Return the file with one cell replaced (line 2 is the first data row)."""
    rows = [list(r) for r in rows]
    rows[line - 2][header.index(column)] = value
    return csv(header, *rows)


# The wide versions' columns, the local twin of charge_created and metadata columns among them.
WIDE_HEADER = [
    "balance_transaction_id",
    "created_utc",
    "available_on_utc",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "source_id",
    "charge_id",
    "charge_created",  # the local twin alone
    "card_address_line1",
    "card_address_line2",
    "card_address_country",
    "shipping_address_line1",
    "is_link",
    "application_fee",
    "connected_account_name",
    "payment_metadata[order_id]",
    "payment_metadata[CRM_ID]",
    "refund_metadata[reason]",
    "transfer_metadata[a]b]",
]
# fmt: off
WIDE_ROWS: list[list[str | None]] = [
    ["txn_1", "2025-03-01 10:00:00", "2025-03-03 00:00:00", "usd", "10.00", "0.59", "9.41", "charge", "ch_1", "ch_1", "2025-03-01 10:00:00", "1 Main St", "", "US", None, "true", "0.50", None, "A-1", "", None, None],
    ["txn_2", "2025-03-02 11:00:00", "2025-03-04 00:00:00", "usd", "-10.00", "0.00", "-10.00", "refund", "re_1", "ch_1", "2025-03-01 10:00:00", "1 Main St", None, "US", "2 Side St", "false", None, None, "A-1", None, "damaged", None],
    ["txn_3", "2025-03-02 12:00:00", "2025-03-02 12:00:00", "usd", "-5.00", "0.00", "-5.00", "transfer", "tr_1", None, None, None, None, None, None, None, None, "Partner, Ltd.", None, None, None, "x"],
]
# fmt: on
