"""The ledger importer: CSV files in the layout of Stripe's itemized reports, via the command and the admin."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from reporting.demo import HISTORY_DAYS, generate_ledger
from reporting.ledger_import import BALANCE, PAYOUTS, LedgerImportError, import_ledger, parse, read_records
from reporting.models import BalanceTransaction, DailyTotal, DataWatermark, Door, Event, Membership, Payout
from reporting.models.ledger import ADDRESS_PARTS, METADATA_FIELDS
from reporting.reports import REPORT_TYPES, Params, get_report
from reporting.reports.formats import csv_line
from tests.factories import (
    AccountFactory,
    BalanceTransactionFactory,
    MembershipFactory,
    PayoutFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BALANCE_ID = "balance_change_from_activity.itemized.1"
PAYOUTS_ID = "payouts.itemized.1"


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def csv(*lines: list[str | None]) -> str:
    """Lines in Stripe's dialect: every value quoted, None written as an empty (null) cell."""
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


# The balance layout -------------------------------------------------------------------------


def test_balance_file_imports_amounts_in_minor_units(load, fresh):
    output = load(fresh, BALANCE_CSV)

    assert "4 added, 0 already in the ledger" in output
    charge, refund, yen, dinar = (txn(f"txn_{i}", account=fresh, livemode=False) for i in range(1, 5))
    assert (charge.amount, charge.fee, charge.net, charge.currency) == (1050, 61, 989, "usd")
    assert (refund.amount, refund.fee, refund.net) == (-1050, 0, -1050)
    assert (yen.amount, yen.fee, yen.net, yen.currency) == (1500, 45, 1455, "jpy")
    assert (dinar.amount, dinar.fee, dinar.net, dinar.currency) == (-1250, 0, -1250, "kwd")
    assert (charge.customer_facing_amount, charge.customer_facing_currency) == (970, "eur")
    assert (refund.customer_facing_amount, yen.customer_facing_amount) == (-970, 1500)
    assert (charge.type, refund.type, dinar.type) == ("charge", "refund", "adjustment")


def test_balance_file_dates_transactions_by_created(load, fresh):
    load(fresh, BALANCE_CSV)

    charge = txn("txn_1")
    assert charge.created == at(3, 1, 10) == charge.effective_at
    assert charge.available_on == at(3, 3)
    assert txn("txn_3").available_on == at(3, 2, 12)


def test_balance_file_keeps_null_and_empty_text_apart(load, fresh):
    load(fresh, BALANCE_CSV)

    assert (txn("txn_1").description, txn("txn_2").description, txn("txn_3").description) == ("Order 1", None, "")
    assert (txn("txn_1").customer_id, txn("txn_2").customer_id, txn("txn_3").customer_id) == ("cus_1", None, "")
    assert (txn("txn_1").customer_name, txn("txn_2").customer_name) == ("Jane", None)
    assert txn("txn_4").source_id == ""
    assert txn("txn_4").customer_facing_currency is None


def test_balance_file_creates_the_automatic_payout_and_links_it(load, fresh):
    output = load(fresh, BALANCE_CSV)

    payout = Payout.objects.get(account=fresh, stripe_id="po_1")
    assert payout.automatic is True
    assert payout.currency == "usd"
    assert payout.effective_at == at(3, 5) == payout.arrival_date
    assert txn("txn_1").automatic_payout == payout
    assert txn("txn_2").automatic_payout == payout
    assert txn("txn_3").automatic_payout is None
    assert "1 created" in output
    # Not a payout transaction: nothing moves it.
    assert txn("txn_1").payout is None


def test_balance_file_names_the_columns_it_ignores(load, fresh):
    header = [*BALANCE_HEADER, "customer_tax_id", "metadata[order]"]
    output = load(fresh, csv(header, *[[*row, "DE123", "7"] for row in BALANCE_ROWS]))

    assert "ignored): customer_tax_id, metadata[order]." in output
    assert "ignored" not in load(fresh, BALANCE_CSV)


# The payouts layout ---------------------------------------------------------------------------


def test_payouts_file_negates_amounts_into_the_ledger(load, fresh):
    load(fresh, PAYOUTS_CSV)

    normal, debit, instant, reversal = (txn(i) for i in ("txn_po_1", "txn_po_2", "txn_po_3", "txn_po_3_rev"))
    assert (normal.amount, normal.fee, normal.net, normal.currency) == (-14820, 0, -14820, "usd")
    assert (debit.amount, debit.net) == (1800, 1800)
    assert (instant.amount, instant.fee, instant.net, instant.currency) == (-5000, 50, -5050, "jpy")
    assert (reversal.amount, reversal.net) == (5000, 5000)
    assert [t.reporting_category for t in (normal, reversal)] == ["payout", "payout_reversal"]
    assert [t.type for t in (normal, reversal)] == ["payout", "payout_failure"]


def test_payouts_file_creates_payouts_with_their_details(load, fresh):
    load(fresh, PAYOUTS_CSV)

    automatic = Payout.objects.get(stripe_id="po_1")
    assert (automatic.amount, automatic.fee, automatic.automatic, automatic.status) == (14820, 0, True, "paid")
    assert (automatic.destination_id, automatic.trace_id, automatic.trace_id_status) == (
        "ba_1",
        "STRIPE-T1",
        "supported",
    )
    assert Payout.objects.get(stripe_id="po_2").trace_id == ""
    manual = Payout.objects.get(stripe_id="po_3")
    # Took effect before its expected arrival: a manual (instant) payout, created when it took effect.
    assert manual.automatic is False
    assert manual.created == manual.effective_at == at(3, 9, 0, 41, 5)
    assert manual.arrival_date == at(3, 11)
    assert (manual.amount, manual.fee, manual.currency) == (5000, 50, "jpy")
    assert (manual.status, manual.reversed_at) == ("failed", at(3, 12, 9, 15))
    assert (manual.type, manual.description, manual.destination_id) == ("card", "Instant", "")


def test_payouts_file_links_and_dates_payout_transactions(load, fresh):
    load(fresh, PAYOUTS_CSV)

    payout_txn, reversal = txn("txn_po_3"), txn("txn_po_3_rev")
    assert payout_txn.payout.stripe_id == reversal.payout.stripe_id == "po_3"
    assert payout_txn.effective_at == at(3, 9, 0, 41, 5)
    assert reversal.effective_at == reversal.created == at(3, 12, 9, 15)
    assert (payout_txn.source_id, payout_txn.description) == ("po_3", "STRIPE PAYOUT")
    assert txn("txn_po_1").effective_at == at(3, 5)


@pytest.mark.parametrize("first", ["balance", "payouts"])
def test_both_files_in_either_order_make_one_payout(load, fresh, first):
    files = {"balance": BALANCE_CSV, "payouts": PAYOUTS_CSV}
    load(fresh, files[first])
    second = load(fresh, files["payouts" if first == "balance" else "balance"])

    payout = Payout.objects.get(account=fresh, stripe_id="po_1")
    # The placeholder the balance file made gets its amount and details from the payouts file.
    assert (payout.amount, payout.automatic, payout.destination_id) == (14820, True, "ba_1")
    assert txn("txn_1").automatic_payout == payout == txn("txn_po_1").payout
    assert Payout.objects.filter(account=fresh).count() == 3
    if first == "balance":
        assert "2 created, 1 updated" in second
    else:
        assert "0 created, 0 updated" in second


def test_a_payout_named_as_automatic_payout_becomes_automatic(load, fresh):
    """Stripe's automatic payouts may take effect a few minutes after their arrival midnight."""
    late_minutes = [*PAYOUTS_ROWS[0][:1], "2025-03-05 00:03:33", *PAYOUTS_ROWS[0][2:]]
    load(fresh, csv(PAYOUTS_HEADER, late_minutes))
    assert Payout.objects.get(stripe_id="po_1").automatic is False  # effective_at is not its arrival
    rows = [list(r) for r in BALANCE_ROWS[:2]]
    for row in rows:
        row[13] = "2025-03-05 00:03:33"

    output = load(fresh, csv(BALANCE_HEADER, *rows))

    payout = Payout.objects.get(stripe_id="po_1")
    assert (payout.automatic, payout.effective_at, payout.arrival_date) == (True, at(3, 5, 0, 3, 33), at(3, 5))
    assert "0 created, 1 updated" in output


# Importing again ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [BALANCE_CSV, PAYOUTS_CSV], ids=["balance", "payouts"])
def test_importing_the_same_file_again_adds_nothing(load, fresh, text):
    load(fresh, text)
    before = ledger_state()

    output = load(fresh, text)

    after = ledger_state()
    assert after[:4] == before[:4]
    assert after[4] == before[4] + 1  # the attempt is logged
    assert "0 added, 4 already in the ledger (skipped)" in output
    assert "0 created, 0 updated" in output


def test_same_ids_in_another_account_or_mode_are_other_rows(load, fresh):
    other = AccountFactory()
    load(fresh, BALANCE_CSV)

    load(fresh, BALANCE_CSV, "--live")
    load(other, BALANCE_CSV)

    assert BalanceTransaction.objects.filter(stripe_id="txn_1").count() == 3
    assert txn("txn_1", account=fresh, livemode=True).automatic_payout.livemode is True


def test_a_later_export_adds_the_automatic_payout_link(load, fresh):
    unsettled = csv(BALANCE_HEADER, [*BALANCE_ROWS[0][:12], None, None, *BALANCE_ROWS[0][14:]])
    load(fresh, unsettled)
    assert txn("txn_1").automatic_payout is None

    output = load(fresh, BALANCE_CSV)

    assert txn("txn_1").automatic_payout.stripe_id == "po_1"
    assert "1 existing transaction linked to a payout" in output


def test_a_later_payouts_export_updates_the_payouts_state(load, fresh):
    load(fresh, PAYOUTS_CSV)
    failed = [*PAYOUTS_ROWS[0][:10], "failed", "2025-03-06 08:00:00", *PAYOUTS_ROWS[0][12:]]

    output = load(fresh, csv(PAYOUTS_HEADER, failed))

    payout = Payout.objects.get(stripe_id="po_1")
    assert (payout.status, payout.reversed_at) == ("failed", at(3, 6, 8))
    assert "0 added, 1 already in the ledger" in output
    assert "1 updated" in output


# Bad files: nothing written --------------------------------------------------------------------


def with_cell(line: int, column: str, value: str | None, header=BALANCE_HEADER, rows=BALANCE_ROWS) -> str:
    """The file with one cell replaced (line 2 is the first data row)."""
    rows = [list(r) for r in rows]
    rows[line - 2][header.index(column)] = value
    return csv(header, *rows)


BAD_FILES = {
    "too many decimals": (
        with_cell(3, "gross", "12.345"),
        "line 3, column gross: '12.345' has more decimals than usd allows",
    ),
    "decimals in yen": (with_cell(4, "fee", "45.5"), "line 4, column fee: '45.5' has more decimals than jpy allows"),
    "thousands separator": (with_cell(2, "gross", "1,050.00"), "line 2, column gross: '1,050.00' is not an amount"),
    "exponent": (with_cell(2, "net", "9.89e0"), "line 2, column net: '9.89e0' is not an amount"),
    "net is not gross - fee": (with_cell(2, "net", "9.90"), "line 2, column net: '9.90' is not gross - fee"),
    "no amount": (with_cell(5, "gross", None), "line 5, column gross: empty; a value is required"),
    "bad date": (
        with_cell(3, "created_utc", "2025-02-30 10:00:00"),
        "line 3, column created_utc: '2025-02-30 10:00:00' is not a valid date",
    ),
    "iso timestamp": (
        with_cell(2, "available_on_utc", "2025-03-03T00:00:00Z"),
        "line 2, column available_on_utc: '2025-03-03T00:00:00Z' is not a timestamp (YYYY-MM-DD HH:MM:SS)",
    ),
    "unknown currency": (with_cell(5, "currency", "xyz"), "line 5, column currency: unknown currency 'xyz'"),
    "unknown category": (
        with_cell(2, "reporting_category", "charges"),
        "line 2, column reporting_category: unknown reporting category 'charges'",
    ),
    "missing column": (
        csv([c for c in BALANCE_HEADER if c != "gross"], *[r[:4] + r[5:] for r in BALANCE_ROWS]),
        "line 1, column gross: missing",
    ),
    "missing created": (
        csv(BALANCE_HEADER[:1] + BALANCE_HEADER[2:], *[r[:1] + r[2:] for r in BALANCE_ROWS]),
        "line 1, column created_utc: missing",
    ),
    "short line": (
        csv(BALANCE_HEADER, BALANCE_ROWS[0], BALANCE_ROWS[1][:-1]),
        "line 3: 15 cells where the header has 16",
    ),
    "duplicate id, other amount": (
        csv(BALANCE_HEADER, *BALANCE_ROWS, ["txn_1", *BALANCE_ROWS[0][1:4], "10.60", "0.71", *BALANCE_ROWS[0][6:]]),
        "line 6, column gross: txn_1 is also on line 2 with other values",
    ),
    "payout effective twice": (
        with_cell(3, "automatic_payout_effective_at_utc", "2025-03-06 00:00:00"),
        "line 3, column automatic_payout_effective_at_utc: payout po_1 has '2025-03-05 00:00:00'",
    ),
    "payout in two currencies": (
        with_cell(4, "automatic_payout_id", "po_1"),
        "line 4, column currency: payout po_1 is in usd on line 2",
    ),
    "unclosed quote": (BALANCE_CSV + '"txn_9,"2025', "line 6: not a CSV line"),
    "not utf-8": ("caf\xe9".encode("latin-1"), "not UTF-8"),
    "reversal of an unknown payout": (
        csv(PAYOUTS_HEADER, PAYOUTS_ROWS[3]),
        "line 2, column payout_id: payout po_3 is not in the ledger",
    ),
    "unknown payout status": (
        with_cell(2, "payout_status", "done", PAYOUTS_HEADER, PAYOUTS_ROWS),
        "line 2, column payout_status: unknown payout status 'done'",
    ),
    "activity in the payouts layout": (
        with_cell(3, "reporting_category", "charge", PAYOUTS_HEADER, PAYOUTS_ROWS),
        "line 3, column reporting_category: unknown reporting category 'charge'",
    ),
}


@pytest.mark.parametrize(("data", "message"), list(BAD_FILES.values()), ids=list(BAD_FILES))
def test_a_bad_file_stops_with_line_and_column_and_writes_nothing(load, fresh, data, message):
    before = ledger_state()

    with pytest.raises(CommandError) as error:
        load(fresh, data, name="bad.csv")

    assert message in str(error.value)
    assert str(error.value).startswith("bad.csv: nothing imported.")
    assert ledger_state() == before


def test_an_error_on_the_last_line_writes_nothing(load, fresh):
    data = with_cell(5, "gross", "abc")

    with pytest.raises(CommandError, match="line 5, column gross"):
        load(fresh, data)

    assert not BalanceTransaction.objects.exists()
    assert not Payout.objects.exists()
    assert not Event.objects.exists()


def test_every_bad_line_is_listed(load, fresh):
    rows = [list(r) for r in BALANCE_ROWS]
    rows[0][4] = "x"
    rows[2][3] = "zzz"

    with pytest.raises(CommandError) as error:
        load(fresh, csv(BALANCE_HEADER, *rows))

    assert "line 2, column gross" in str(error.value)
    assert "line 4, column currency" in str(error.value)


def test_an_id_already_in_the_ledger_with_other_amounts_is_an_error(load, fresh):
    BalanceTransactionFactory(account=fresh, stripe_id="txn_2", amount=-1000, fee=0, created=at(3, 2, 11, 30))
    before = ledger_state()

    with pytest.raises(CommandError) as error:
        load(fresh, BALANCE_CSV)

    assert "line 3, column gross: txn_2 is in the ledger with gross '-10.00', not '-10.50'" in str(error.value)
    assert ledger_state() == before


def test_an_id_already_in_the_ledger_with_another_date_is_an_error(load, fresh):
    load(fresh, BALANCE_CSV)
    before = ledger_state()

    with pytest.raises(CommandError, match="line 4, column created_utc: txn_3 is in the ledger with created_utc"):
        load(fresh, with_cell(4, "created_utc", "2025-03-02 12:00:01"))

    assert ledger_state() == before


def test_a_payout_in_the_ledger_with_another_amount_is_an_error(load, fresh):
    load(fresh, PAYOUTS_CSV)
    before = ledger_state()
    changed = [[*PAYOUTS_ROWS[0][:3], "148.30", "0.00", "148.30", "payout", "txn_po_1b", *PAYOUTS_ROWS[0][8:]]]

    with pytest.raises(CommandError) as error:
        load(fresh, csv(PAYOUTS_HEADER, *changed))

    assert "line 2, column gross: payout po_1 is in the ledger with gross '148.20', not '148.30'" in str(error.value)
    assert ledger_state() == before


def test_a_transaction_settled_by_another_payout_is_an_error(load, fresh):
    load(fresh, BALANCE_CSV)

    with pytest.raises(CommandError, match="line 2, column automatic_payout_id: txn_1 is in the ledger with"):
        load(fresh, with_cell(2, "automatic_payout_id", "po_9"))


def test_an_automatic_payout_effective_at_another_time_is_an_error(load, fresh):
    load(fresh, PAYOUTS_CSV)

    rows = [list(r) for r in BALANCE_ROWS[:2]]
    for row in rows:
        row[13] = "2025-03-07 00:00:00"
    with pytest.raises(CommandError) as error:
        load(fresh, csv(BALANCE_HEADER, *rows))

    assert (
        "line 2, column automatic_payout_effective_at_utc: payout po_1 is in the ledger with "
        "automatic_payout_effective_at_utc '2025-03-05 00:00:00', not '2025-03-07 00:00:00'"
    ) in str(error.value)


# The command ------------------------------------------------------------------------------------


def test_command_records_the_event_and_advances_the_watermark(load, fresh):
    load(fresh, BALANCE_CSV, name="march.csv")

    event = Event.objects.get(action=Event.Action.LEDGER_IMPORTED)
    assert (event.door, event.account, event.livemode, event.actor) == ("cli", fresh, False, None)
    assert event.data["file"] == "march.csv"
    assert event.data["rows"] == 4
    assert event.data["skipped"] == 0
    assert event.data["layout"] == "balance_change_from_activity.itemized"
    watermark = DataWatermark.objects.get(account=fresh, livemode=False)
    assert watermark.complete_through == at(3, 3, 9)  # the latest created


def test_command_never_moves_the_watermark_back(load, account):
    load(account, BALANCE_CSV)

    assert DataWatermark.objects.get(account=account, livemode=False).complete_through == at(12, 1)


def test_command_live_imports_into_live_mode(load, fresh):
    output = load(fresh, BALANCE_CSV, "--live")

    assert "(live mode)" in output
    assert BalanceTransaction.objects.filter(livemode=True).count() == 4
    assert not BalanceTransaction.objects.filter(livemode=False).exists()
    assert Payout.objects.get().livemode is True
    assert Event.objects.get().livemode is True


def test_command_dry_run_writes_nothing(load, fresh):
    before = ledger_state()

    output = load(fresh, BALANCE_CSV, "--dry-run")

    assert "4 added" in output
    assert ledger_state() == before


def test_command_refuses_an_unknown_account(load, db):
    with pytest.raises(CommandError, match="No account with id 'acct_nope'"):
        load(type("A", (), {"id": "acct_nope"})(), BALANCE_CSV)


def test_command_refuses_a_missing_file(fresh, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_ledger", "--account", fresh.id, str(tmp_path / "nope.csv"))


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


def test_default_column_files_import(load, fresh):
    """Stripe's default columns: the nine of the balance file, the eleven of the payouts file."""
    balance = get_report(BALANCE_ID).default_columns
    payouts = get_report(PAYOUTS_ID).default_columns
    load(fresh, csv(balance, *[[r[BALANCE_HEADER.index(c)] for c in balance] for r in BALANCE_ROWS]))
    load(fresh, csv(payouts, *[[r[PAYOUTS_HEADER.index(c)] for c in payouts] for r in PAYOUTS_ROWS]))

    assert BalanceTransaction.objects.count() == 8
    assert Payout.objects.get(stripe_id="po_3").status == "failed"


# The CSV reader --------------------------------------------------------------------------------


def test_reader_tells_null_from_empty_and_keeps_quotes_and_newlines():
    text = 'a,b,c,d\r\n"x",,"","say ""hi""\nthere"\r\n"y",plain,"",\n'

    assert list(read_records(text)) == [
        (1, ["a", "b", "c", "d"]),
        (2, ["x", None, "", 'say "hi"\nthere']),
        (4, ["y", "plain", "", None]),
    ]


def test_parse_skips_a_byte_order_mark_and_blank_lines(fresh):
    parsed = parse(("\ufeff" + BALANCE_CSV + "\n").encode())

    assert [t.stripe_id for t in parsed.txns] == ["txn_1", "txn_2", "txn_3", "txn_4"]


def test_parse_stops_after_twenty_problems():
    rows = [[f"txn_{i}", *BALANCE_ROWS[0][1:4], "bad", *BALANCE_ROWS[0][5:]] for i in range(50)]

    with pytest.raises(LedgerImportError) as error:
        parse(csv(BALANCE_HEADER, *rows))

    assert len(error.value.problems) == 21
    assert str(error.value.problems[-1]) == "stopped after 20 problems"


# Round trip: export, import into an empty account, export again ------------------------------------


def address(name, line1, line2, city, state, postal_code, country):
    values = (line1, line2, city, state, postal_code, country)
    return {f"{name}_{part}": value for part, value in zip(ADDRESS_PARTS, values, strict=True)}


# Charge ch_01 as Stripe describes it: what its charge, refund and the itemized reports' wide versions print.
CH_01 = {
    "customer_name": 'Jane "JJ" Example',
    "customer_description": "",
    **address("customer_address", "1 High Street", "", "London ", "", "SW1A 1AA", "GB"),
    **address("card_address", "1 High Street", "Flat 2, Block A", "London ", "", "SW1A 1AA", "GB"),
    # A shipping address with an absent second line and state (null), not empty ones.
    **address("shipping_address", "Hauptstraße 5", None, "München", None, "80331", "DE"),
    "payment_intent_id": "pi_01",
    "charge_created": at(3, 1),
    "invoice_id": "in_01",
    "invoice_number": "ABCD1234-0001",
    "subscription_id": "sub_01",
    "is_link": True,
    "card_funding": "debit",
    "statement_descriptor": "ACME* ORDER A-1",
    # Keys the SQL paths cannot look up (quotes, a dot, a leading $), upper case, non-ASCII.
    "payment_metadata": {"order_id": "A-1", "CRM_ID": "42", 'say "hi"': "x,y", "a.b": "dot", "$path": "$", "ü": "✓"},
}


# Fewer details: the other metadata keys are absent (empty cells).
CH_02 = {
    "payment_intent_id": "pi_02",
    "charge_created": at(3, 5, 14, 30, 15),
    "is_link": False,
    "payment_metadata": {"order_id": "A-2"},
}


def build_ledger(account):
    """A month of activity and payouts using every column of every itemized report."""

    def payout(stripe_id, amount, created, arrival, *, automatic, currency="usd", **kwargs):
        return PayoutFactory(
            account=account,
            stripe_id=stripe_id,
            amount=amount,
            currency=currency,
            created=created,
            arrival_date=arrival,
            automatic=automatic,
            effective_at=arrival if automatic else created,
            **kwargs,
        )

    def payout_txn(stripe_id, po, *, category="payout", when=None, description="STRIPE PAYOUT"):
        sign = -1 if category == "payout" else 1
        when = when or po.effective_at
        bt = BalanceTransactionFactory(
            account=account,
            stripe_id=stripe_id,
            type="payout" if category == "payout" else "payout_failure",
            reporting_category=category,
            amount=sign * po.amount,
            fee=po.fee if category == "payout" else 0,
            currency=po.currency,
            created=po.created if category == "payout" else when,
            available_on=when,
            effective_at=when,
            description=description,
        )
        BalanceTransaction.objects.filter(pk=bt.pk).update(payout=po, source_id=po.stripe_id)

    po_mar = payout(
        "po_mar",
        104882,
        at(3, 8, 18),
        at(3, 10),
        automatic=True,
        destination_id="ba_1",
        trace_id="STRIPE-1",
        trace_id_status="supported",
    )
    po_failed = payout(
        "po_failed",
        2980,
        at(3, 10, 6),
        at(3, 12),
        automatic=True,
        status="failed",
        reversed_at=at(3, 13, 9, 15),
        destination_id="ba_1",
        trace_id_status="unsupported",
    )
    po_manual = payout(
        "po_manual",
        5000,
        at(3, 20, 10, 20, 30),
        at(3, 22),
        automatic=False,
        description="Owner draw",
        destination_id="ba_1",
    )
    po_instant = payout(
        "po_instant",
        10000,
        at(3, 21, 7, 5),
        at(3, 21),
        automatic=False,
        fee=150,
        type="card",
        description="",
        destination_id="card_1",
    )
    po_debit = payout("po_debit", -1800, at(3, 22, 12), at(3, 24), automatic=True, status="paid", destination_id="ba_1")
    po_yen = payout(
        "po_yen",
        48000,
        at(3, 13),
        at(3, 15),
        automatic=True,
        currency="jpy",
        status="in_transit",
        trace_id="STRIPE-Y",
        trace_id_status="pending",
    )
    po_kwd = payout("po_kwd", 12345, at(3, 25, 16), at(3, 27), automatic=False, currency="kwd", status="pending")
    po_late = payout("po_late", 77700, at(3, 31, 20), at(4, 3), automatic=True)  # after the interval

    def charge(stripe_id, created, amount, fee, currency="usd", *, po=None, **kwargs):
        BalanceTransactionFactory(
            account=account,
            stripe_id=stripe_id,
            amount=amount,
            fee=fee,
            currency=currency,
            created=created,
            available_on=created.replace(hour=0, minute=0, second=0) + (at(1, 3) - at(1, 1)),
            effective_at=created,
            automatic_payout=po,
            **kwargs,
        )

    customer = {
        "customer_id": "cus_1",
        "customer_email": "jane@example.com",
        "payment_method_type": "card",
        "card_brand": "Visa",
        "card_country": "GB",
    }
    charge("txn_feb", at(2, 20, 10), 50000, 1480, po=po_mar)  # before the interval
    charge(
        "txn_01",
        at(3, 1),
        2000,
        88,
        po=po_mar,
        description='Order "A", large',
        source_id="ch_01",
        charge_id="ch_01",
        customer_facing_amount=1850,
        customer_facing_currency="eur",
        **customer,
        **CH_01,
    )
    charge(
        "txn_02",
        at(3, 5, 14, 30, 15),
        120000,
        3510,
        po=po_mar,
        description=None,
        source_id="ch_02",
        charge_id="ch_02",
        customer_facing_amount=120000,
        customer_facing_currency="usd",
        **CH_02,
    )
    charge(
        "txn_03",
        at(3, 5, 14, 30, 15),
        -2000,
        0,
        po=po_mar,
        type="refund",
        reporting_category="refund",
        description='REFUND FOR CHARGE (Order "A", large)\nsecond line',
        source_id="re_03",
        charge_id="ch_01",
        customer_facing_amount=-1850,
        customer_facing_currency="eur",
        **customer,
        **CH_01,
        refund_metadata={"reason": "duplicate", "Ticket": "T-1"},
    )
    charge(
        "txn_04",
        at(3, 8, 11, 11, 11),
        3100,
        120,
        po=po_failed,
        description="",
        source_id="",
        customer_id="",
        customer_email="",
    )
    charge(
        "txn_05",
        at(3, 10),
        -1500,
        0,
        po=po_mar,
        type="stripe_fee",
        reporting_category="fee",
        description="Billing - Radar",
    )
    charge(
        "txn_06",
        at(3, 12, 16, 45),
        -12000,
        1500,
        po=po_mar,
        type="adjustment",
        reporting_category="dispute",
        description="Chargeback withdrawal for ch_02",
        source_id="dp_06",
        charge_id="ch_02",
        dispute_reason="fraudulent",
        **CH_02,
    )
    charge(
        "txn_07",
        at(3, 9, 8),
        5000,
        0,
        "jpy",
        po=po_yen,
        description="Tokyo order",
        source_id="ch_07",
        customer_facing_amount=5000,
        customer_facing_currency="jpy",
        payment_method_type="card",
        card_brand="JCB",
        card_country="JP",
    )
    charge(
        "txn_08",
        at(3, 14, 23, 59, 59),
        -300,
        0,
        "jpy",
        type="adjustment",
        reporting_category="other_adjustment",
        description="Correction",
    )
    charge(
        "txn_09",
        at(3, 18, 9),
        12345,
        99,
        "kwd",
        description="Kuwait order",
        source_id="ch_09",
        customer_facing_amount=12345,
        customer_facing_currency="kwd",
        # A platform's charge on a connected account, with its application fee (fils).
        connected_account_direct_charge_id="py_09",
        application_fee=1234,
        regulatory_tag="",
    )
    charge(
        "txn_10",
        at(3, 19, 9),
        -5,
        0,
        "kwd",
        type="adjustment",
        reporting_category="other_adjustment",
        description="-5 fils",
    )
    charge(
        "txn_11",
        at(3, 29, 10),
        80000,
        2350,
        po=po_late,
        description="Late order",
        source_id="ch_11",
        charge_id="ch_11",
        customer_email="=cmd|' /C calc'!A0",
        **{k: v for k, v in customer.items() if k != "customer_email"},
    )
    charge("txn_12", at(3, 31, 23, 59, 59), 99, 33, po=po_late, description="Last second", source_id="ch_12")
    charge(
        "txn_13",
        at(3, 20, 15),
        -25000,
        0,
        po=po_late,
        type="transfer",
        reporting_category="transfer",
        description="Revenue share 2025-02",
        source_id="tr_13",
        connected_account_id="acct_partner",
        connected_account_name="Partner, Ltd.",
        connected_account_country="DE",
        transfer_metadata={"period": "2025-02", "Contract": "RS-7"},
    )
    charge("txn_apr", at(4, 1), 1000, 30)  # after the interval
    payout_txn("txn_po_mar", po_mar)
    payout_txn("txn_po_failed", po_failed)
    payout_txn("txn_po_failed_rev", po_failed, category="payout_reversal", when=at(3, 13, 9, 15), description=None)
    payout_txn("txn_po_manual", po_manual, description="Owner draw")
    payout_txn("txn_po_instant", po_instant)
    payout_txn("txn_po_debit", po_debit)
    payout_txn("txn_po_yen", po_yen)
    payout_txn("txn_po_kwd", po_kwd)
    payout_txn("txn_po_late", po_late)  # after the interval
    # The next automatic payout sweeps the manual payout and the failed payout's return.
    BalanceTransaction.objects.filter(account=account, stripe_id__in=["txn_po_manual", "txn_po_failed_rev"]).update(
        automatic_payout=po_late
    )


def export(account, report_id):
    report = get_report(report_id)
    params = Params(
        account_id=account.id,
        livemode=False,
        interval_start=at(3, 1),
        interval_end=at(4, 1),
        columns=report.column_names,
    )
    out = io.BytesIO()
    report.write(params, out)
    return out.getvalue()


@pytest.mark.parametrize("first", [BALANCE_ID, PAYOUTS_ID])
def test_round_trip_through_both_itemized_reports_is_byte_identical(load, account, fresh, first):
    build_ledger(account)
    files = {report_id: export(account, report_id) for report_id in (BALANCE_ID, PAYOUTS_ID)}
    # The files hold what the test is about (a test that cannot fail is a defect).
    assert len(list(read_records(files[BALANCE_ID].decode()))) == 1 + 13
    assert len(list(read_records(files[PAYOUTS_ID].decode()))) == 1 + 8
    assert b'"-0.005","0.000","-0.005","other_adjustment"' in files[BALANCE_ID]
    assert b'"po_instant","2025-03-21 07:05:00","usd","100.00","-1.50","101.50"' in files[PAYOUTS_ID]
    assert b',"",' in files[BALANCE_ID]

    second = PAYOUTS_ID if first == BALANCE_ID else BALANCE_ID
    for report_id in (first, second):
        load(fresh, files[report_id], name=f"{report_id}.csv")

    assert export(fresh, BALANCE_ID) == files[BALANCE_ID]
    assert export(fresh, PAYOUTS_ID) == files[PAYOUTS_ID]
    assert BalanceTransaction.objects.filter(account=fresh).count() == 21
    # The payout settling late March takes effect after the interval: known from the balance file alone.
    late = Payout.objects.get(account=fresh, stripe_id="po_late")
    assert (late.automatic, late.effective_at, late.amount) == (True, at(4, 3), 0)
    assert Payout.objects.get(account=fresh, stripe_id="po_manual").automatic is False
    assert Payout.objects.get(account=fresh, stripe_id="po_failed").automatic is True


# The wide versions' columns ----------------------------------------------------------------------

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


def test_wide_columns_land_in_their_fields(load, fresh):
    output = load(fresh, csv(WIDE_HEADER, *WIDE_ROWS))

    charge, refund, transfer = txn("txn_1"), txn("txn_2"), txn("txn_3")
    assert (charge.card_address_line1, charge.card_address_line2, refund.card_address_line2) == ("1 Main St", "", None)
    assert (charge.shipping_address_line1, refund.shipping_address_line1) == (None, "2 Side St")
    assert (charge.is_link, refund.is_link, transfer.is_link) == (True, False, None)
    assert (charge.application_fee, refund.application_fee) == (50, None)
    assert refund.charge_created == charge.charge_created == at(3, 1, 10)
    assert "Column charge_created was read as UTC (the file has no charge_created_utc)" in output
    assert transfer.connected_account_name == "Partner, Ltd."
    # An empty cell is an absent key; an empty string is a value.
    assert charge.payment_metadata == {"order_id": "A-1", "CRM_ID": ""}
    assert refund.payment_metadata == {"order_id": "A-1"}
    assert (refund.refund_metadata, charge.refund_metadata) == ({"reason": "damaged"}, None)
    assert transfer.transfer_metadata == {"a]b": "x"}
    assert transfer.payment_metadata is None
    assert "ignored" not in output


ITEMIZED_IDS = [i for i, report in REPORT_TYPES.items() if "balance_transaction_id" in report.column_names]


@pytest.mark.parametrize("report_id", ITEMIZED_IDS)
def test_every_column_of_every_itemized_version_is_read(report_id):
    report = REPORT_TYPES[report_id]
    metadata = ["payment_metadata[k]", "refund_metadata[k]", "transfer_metadata[k]"] if report.metadata_columns else []

    parsed = parse(csv([*report.column_names, *metadata]))

    assert parsed.ignored_columns == []
    assert parsed.layout == (PAYOUTS if "payout_id" in report.column_names else BALANCE)


WIDE_BAD = {
    "is_link": ("yes", "line 3, column is_link: 'yes' is not a boolean (true or false)"),
    "application_fee": ("0.505", "line 3, column application_fee: '0.505' has more decimals than usd allows"),
    "charge_created": ("2025-03-01", "line 3, column charge_created: '2025-03-01' is not a timestamp"),
    "card_address_line1": ("x" * 257, "line 3, column card_address_line1: longer than 256 characters"),
}


@pytest.mark.parametrize(("column", "value", "message"), [(c, *v) for c, v in WIDE_BAD.items()], ids=list(WIDE_BAD))
def test_a_bad_wide_cell_names_its_line_and_column(load, fresh, column, value, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        load(fresh, with_cell(3, column, value, WIDE_HEADER, WIDE_ROWS))

    assert not BalanceTransaction.objects.exists()


def test_trace_columns_describe_the_settling_payout(load, fresh):
    header = [*BALANCE_HEADER, "trace_id", "trace_id_status"]
    rows = [[*row, "STRIPE-T1" if row[12] else None, "supported" if row[12] else None] for row in BALANCE_ROWS]

    load(fresh, csv(header, *rows))

    payout = Payout.objects.get(stripe_id="po_1")
    assert (payout.trace_id, payout.trace_id_status, payout.amount) == ("STRIPE-T1", "supported", 0)


def test_a_later_wider_export_of_the_same_rows_adds_nothing(load, fresh):
    """The ids behind a transaction are compared only where the ledger has them; details are not compared."""
    load(fresh, csv(WIDE_HEADER[:9], *[row[:9] for row in WIDE_ROWS]))
    rows = [list(r) for r in WIDE_ROWS]
    rows[0][WIDE_HEADER.index("card_address_line1")] = "3 New Road"  # the customer updated the card

    output = load(fresh, csv(WIDE_HEADER, *rows))

    assert "0 added, 3 already in the ledger (skipped)" in output
    # The ledger keeps what the first import said.
    assert (txn("txn_1").charge_id, txn("txn_1").card_address_line1) == (None, None)


@pytest.mark.parametrize(
    ("column", "value"), [("source_id", "ch_9"), ("charge_id", "ch_9"), ("charge_created", "2025-03-01 10:00:01")]
)
def test_an_id_already_in_the_ledger_with_another_source_is_an_error(load, fresh, column, value):
    load(fresh, csv(WIDE_HEADER, *WIDE_ROWS))
    before = ledger_state()

    with pytest.raises(CommandError, match=f"line 2, column {column}: txn_1 is in the ledger with {column}"):
        load(fresh, with_cell(2, column, value, WIDE_HEADER, WIDE_ROWS))

    assert ledger_state() == before


def test_amounts_with_a_decimal_comma_import_like_points(load, account, fresh):
    build_ledger(account)
    full = {"interval_start": at(2, 1), "interval_end": at(5, 1), "columns": all_columns(FULL_BALANCE_ID, account)}
    points = run_report(account, FULL_BALANCE_ID, **full)
    commas = run_report(account, FULL_BALANCE_ID, decimal_separator=",", **full)
    assert b'"-0,005","0,000","-0,005"' in commas

    output = load(fresh, commas)

    assert "Amounts were read with ',' as the decimal mark" in output
    assert run_report(fresh, FULL_BALANCE_ID, **full) == points


def test_a_file_mixing_decimal_marks_is_refused(load, fresh):
    data = with_cell(3, "gross", "-10,50")

    with pytest.raises(CommandError) as error:
        load(fresh, data)

    message = "line 3, column gross: '-10,50' has ',' as decimal mark where line 2, column gross has '.'"
    assert message in str(error.value)


# Full round trip: every column out, into an empty account, every report type identical ---------------

ROUND_TRIP_TZ = ZoneInfo("America/New_York")  # not UTC, and daylight saving starts in March
FULL_BALANCE_ID = "balance_change_from_activity.itemized.3"
FULL_PAYOUTS_ID = "payouts.itemized.3"
SETTLEMENT_ID = "payout_reconciliation.itemized.5"


def run_report(account, report_id, **params):
    out = io.BytesIO()
    REPORT_TYPES[report_id].write(Params(account_id=account.id, livemode=False, **params), out)
    return out.getvalue()


def metadata_columns(account):
    """`payment_metadata[KEY]`... for every key in the account's ledger, keys in byte order as Stripe lists them."""
    keys = {name: set() for name in METADATA_FIELDS}
    for row in BalanceTransaction.objects.filter(account=account).values(*METADATA_FIELDS):
        for name, value in row.items():
            keys[name].update(value or {})
    return [f"{name}[{key}]" for name in METADATA_FIELDS for key in sorted(keys[name])]


def all_columns(report_id, account):
    """Every column of the type, with the metadata columns where Stripe puts them (after dispute_reason)."""
    report = REPORT_TYPES[report_id]
    names = report.column_names
    if not report.metadata_columns:
        return names
    at_ = names.index("dispute_reason") + 1
    return [*names[:at_], *metadata_columns(account), *names[at_:]]


def export_everything(account, start, end):
    """The two full-column tz-aware exports, and the reconciliation export that carries the settlement links."""
    full = {"interval_start": start, "interval_end": end, "timezone": ROUND_TRIP_TZ}
    return {
        report_id: run_report(account, report_id, columns=all_columns(report_id, account), **full)
        for report_id in (FULL_BALANCE_ID, FULL_PAYOUTS_ID, SETTLEMENT_ID)
    }


def report_runs(account, intervals, ends):
    """(report id, parameters) for every registered type: intervals, ends or payouts as the type needs,
    its default and all its columns, its timezone where it takes one, and a ',' decimal separator once."""
    payouts = list(
        Payout.objects.filter(account=account, automatic=True)
        .order_by("effective_at")
        .values_list("stripe_id", flat=True)
    )
    for report_id, report in REPORT_TYPES.items():
        if "payout" in report.required:
            scopes = [{"payout": payout} for payout in payouts]
        elif report.required == ("interval_end",):
            scopes = [{"interval_end": end} for end in ends]
        else:
            scopes = [{"interval_start": start, "interval_end": end} for start, end in intervals]
        zone = {"timezone": ROUND_TRIP_TZ} if "timezone" in report.parameters else {}
        for columns in ((), all_columns(report_id, account)):
            for scope in scopes:
                yield report_id, {**scope, **zone, "columns": columns}
        if "decimal_separator" in report.parameters:
            yield report_id, {**scopes[0], **zone, "decimal_separator": ","}


# Ledger fields no export carries, so an import cannot restore them (report-types.md §2.4): an
# automatic payout's creation time, on the payout and its own transaction (the files have only
# when it took effect). No report prints either.
PAYOUT_FIELDS = [f.attname for f in Payout._meta.concrete_fields if f.attname not in {"id", "account_id"}]
TXN_FIELDS = [
    f.attname
    for f in BalanceTransaction._meta.concrete_fields
    if f.attname not in {"id", "account_id", "payout_id", "automatic_payout_id"}
]


def ledger_differences(original, copy):
    """{(stripe id, field)} where the copy's ledger differs from the original's."""

    def rows(account):
        txns = BalanceTransaction.objects.filter(account=account).values(
            *TXN_FIELDS, "payout__stripe_id", "payout__automatic", "automatic_payout__stripe_id"
        )
        payouts = Payout.objects.filter(account=account).values(*PAYOUT_FIELDS)
        return {t["stripe_id"]: t for t in txns}, {p["stripe_id"]: p for p in payouts}

    differences = set()
    for mine, theirs in zip(rows(original), rows(copy), strict=True):
        assert mine.keys() == theirs.keys()
        for stripe_id, values in mine.items():
            differences.update((stripe_id, name) for name, value in values.items() if theirs[stripe_id][name] != value)
    return differences


def unrestorable(account):
    """What ledger_differences may name: the creation time of automatic payouts and their transactions."""
    automatic = Payout.objects.filter(account=account, automatic=True)
    own = BalanceTransaction.objects.filter(account=account, reporting_category="payout", payout__in=automatic)
    return {(stripe_id, "created") for stripe_id in automatic.values_list("stripe_id", flat=True)} | {
        (stripe_id, "created") for stripe_id in own.values_list("stripe_id", flat=True)
    }


def swept_payout_rows(account):
    """Payout-category rows a later automatic payout settled: only a reconciliation export names that payout."""
    rows = BalanceTransaction.objects.filter(
        account=account, reporting_category__in=["payout", "payout_reversal"], automatic_payout__isnull=False
    )
    return {(stripe_id, "automatic_payout__stripe_id") for stripe_id in rows.values_list("stripe_id", flat=True)}


def demo_ledger(account):
    generate_ledger(account=account, livemode=False, rows=1200, seed=11, end=at(6, 1))
    # The whole ledger, then a month (local midnights) and an hour-cut interval.
    spans = [
        (at(6, 1) - timedelta(days=HISTORY_DAYS), at(6, 1)),
        (datetime(2025, 1, 1, tzinfo=ROUND_TRIP_TZ), datetime(2025, 2, 1, tzinfo=ROUND_TRIP_TZ)),
        (at(3, 9, 6, 59, 59), at(4, 15, 12)),
    ]
    ends = [at(6, 1) - timedelta(days=200), at(3, 3), at(3, 9, 6, 59, 59), at(6, 1)]
    return spans, ends


def hand_made_ledger(account):
    build_ledger(account)
    spans = [(at(2, 1), at(5, 1)), (at(3, 1), at(4, 1)), (datetime(2025, 3, 9, 3, tzinfo=ROUND_TRIP_TZ), at(3, 21))]
    ends = [at(3, 10), at(3, 12, 12), at(4, 1), at(5, 1)]
    return spans, ends


@pytest.mark.parametrize("builder", [demo_ledger, hand_made_ledger], ids=["demo", "hand-made"])
def test_full_column_exports_round_trip_into_every_report_type(account, fresh, builder):
    spans, ends = builder(account)
    files = export_everything(account, *spans[0])
    balance = files[FULL_BALANCE_ID].decode()
    # The exports hold what the test is about: metadata keys, local times, addresses, links, reversals.
    assert "payment_metadata[" in balance.splitlines()[0]
    assert "refund_metadata[" in balance.splitlines()[0]
    assert "transfer_metadata[" in balance.splitlines()[0]
    assert ',"",' in balance
    assert '"true"' in balance
    assert '"false"' in balance
    assert '"payout_reversal"' in files[FULL_PAYOUTS_ID].decode()
    assert '"failed"' in files[FULL_PAYOUTS_ID].decode()
    assert swept_payout_rows(account)

    import_ledger(files[FULL_BALANCE_ID], account=fresh, livemode=False, door=Door.CLI)
    import_ledger(files[FULL_PAYOUTS_ID], account=fresh, livemode=False, door=Door.CLI)

    # Neither of the two carries which automatic payout swept a payout or a payout's return.
    assert ledger_differences(account, fresh) == unrestorable(account) | swept_payout_rows(account)

    result = import_ledger(files[SETTLEMENT_ID], account=fresh, livemode=False, door=Door.CLI)

    assert result.added == 0
    assert result.links_added == len(swept_payout_rows(account))
    for data in files.values():  # importing again adds and changes nothing
        again = import_ledger(data, account=fresh, livemode=False, door=Door.CLI)
        assert (again.added, again.links_added, again.payouts_created, again.payouts_updated) == (0, 0, 0, 0)
    assert ledger_differences(account, fresh) == unrestorable(account)
    runs = list(report_runs(account, spans, ends))
    assert {report_id for report_id, _ in runs} == set(REPORT_TYPES)
    outputs = [(report_id, params, run_report(account, report_id, **params)) for report_id, params in runs]
    different = [
        (report_id, params)
        for report_id, params, original in outputs
        if run_report(fresh, report_id, **params) != original
    ]
    assert different == []
    # The comparisons compared something: most runs have rows.
    assert sum(original.count(b"\n") > 1 for _, _, original in outputs) > len(outputs) * 0.8


# The admin upload ---------------------------------------------------------------------------------

IMPORT_URL = "admin:reporting_balancetransaction_import"


def upload(client, account, text=BALANCE_CSV, mode="test", name="march.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse(IMPORT_URL),
        {"account": account.pk, "mode": mode, "file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def staff(account=None, role=None):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="reporting", codename__startswith="view_")
    )
    if account is not None:
        MembershipFactory(user=user, account=account, role=role)
    return user


def test_changelist_offers_import_to_superusers(admin_client):
    body = admin_client.get(reverse("admin:reporting_balancetransaction_changelist")).content.decode()

    assert reverse(IMPORT_URL) in body
    assert ">Import CSV<" in body


def test_superuser_uploads_a_file_and_rows_appear(admin_client, admin_user, fresh):
    page = admin_client.get(reverse(IMPORT_URL))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()

    response = upload(admin_client, fresh)

    assert response.status_code == 302
    assert BalanceTransaction.objects.filter(account=fresh, livemode=False).count() == 4
    event = Event.objects.get(action=Event.Action.LEDGER_IMPORTED)
    assert (event.door, event.actor, event.data["file"], event.data["rows"]) == ("admin", admin_user, "march.csv", 4)
    body = admin_client.get(response.url).content.decode()
    assert "4 added, 0 already in the ledger (skipped)." in body


def test_superuser_uploads_into_live_mode(admin_client, fresh):
    upload(admin_client, fresh, PAYOUTS_CSV, mode="live")

    assert BalanceTransaction.objects.filter(account=fresh, livemode=True).count() == 4
    assert not BalanceTransaction.objects.filter(livemode=False).exists()


def test_upload_errors_show_line_and_column_and_write_nothing(admin_client, fresh):
    before = ledger_state()

    response = upload(admin_client, fresh, with_cell(3, "gross", "12.345"))

    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was imported" in body
    assert "line 3, column gross: &#x27;12.345&#x27; has more decimals than usd allows" in body
    assert ledger_state() == before


@pytest.mark.parametrize("role", [None, Membership.Role.VIEWER, Membership.Role.ANALYST])
def test_staff_who_administer_no_account_get_403(client, account, role):
    user = staff(account if role else AccountFactory(), role) if role else staff()
    client.force_login(user)
    before = ledger_state()

    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert upload(client, account).status_code == 403
    assert ledger_state() == before
    changelist = client.get(reverse("admin:reporting_balancetransaction_changelist")).content.decode()
    assert "Import CSV" not in changelist


def test_account_admins_import_into_their_account_only(client, account, fresh):
    user = staff(account, Membership.Role.ADMIN)
    client.force_login(user)

    assert upload(client, account, mode="live").status_code == 302
    response = upload(client, fresh)

    assert BalanceTransaction.objects.filter(account=account, livemode=True).count() == 4
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not BalanceTransaction.objects.filter(account=fresh).exists()
    assert Event.objects.get().actor == user


def test_anonymous_users_are_sent_to_log_in(client, fresh):
    response = upload(client, fresh)

    assert response.status_code == 302
    assert "/login/" in response.url
    assert not BalanceTransaction.objects.exists()


# Reconciliation exports: the balance layout with payout rows -------------------------------------

RECONCILIATION_HEADER = BALANCE_HEADER[:14]


def test_payout_rows_in_the_balance_layout_link_to_known_payouts(load, fresh):
    load(fresh, PAYOUTS_CSV)
    rows = [
        # A payout the ledger has (its row already imported: skipped), and one it does not.
        [
            "txn_po_1",
            "2025-03-03 00:00:00",
            "2025-03-05 00:00:00",
            "usd",
            "-148.20",
            "0.00",
            "-148.20",
            "payout",
            "po_1",
            "STRIPE PAYOUT",
            None,
            None,
            None,
            None,
        ],
        [
            "txn_po_9",
            "2025-03-20 10:00:00",
            "2025-03-20 10:00:00",
            "usd",
            "-20.00",
            "0.00",
            "-20.00",
            "payout",
            "po_9",
            "STRIPE PAYOUT",
            None,
            None,
            None,
            None,
        ],
        [
            "txn_po_3_rev",
            "2025-03-12 09:15:00",
            "2025-03-12 09:15:00",
            "jpy",
            "5000",
            "0",
            "5000",
            "payout_reversal",
            "po_3",
            "Payout failure",
            None,
            None,
            None,
            None,
        ],
    ]

    output = load(fresh, csv(RECONCILIATION_HEADER, *rows))

    assert "1 added, 2 already in the ledger" in output
    unknown = txn("txn_po_9")
    assert (unknown.payout, unknown.amount, unknown.effective_at) == (None, -2000, at(3, 20, 10))
    assert "1 payout transaction(s) name payouts the ledger does not have (po_9)" in output
    assert not Payout.objects.filter(stripe_id="po_9").exists()


def test_a_payout_row_in_the_balance_layout_is_dated_by_its_payout(load, fresh):
    load(fresh, BALANCE_CSV)  # po_1, effective 2025-03-05, known from automatic_payout_id
    row = [
        "txn_po_1",
        "2025-03-03 00:00:00",
        "2025-03-05 00:00:00",
        "usd",
        "-148.20",
        "0.00",
        "-148.20",
        "payout",
        "po_1",
        "STRIPE PAYOUT",
        None,
        None,
        None,
        None,
    ]

    load(fresh, csv(RECONCILIATION_HEADER, row))

    payout_txn = txn("txn_po_1")
    assert payout_txn.payout.stripe_id == "po_1"
    assert (payout_txn.created, payout_txn.effective_at) == (at(3, 3), at(3, 5))
    # Its own row gives the placeholder payout its amount.
    assert Payout.objects.get(stripe_id="po_1").amount == 14820
