"""Bad files: every problem named by line and column, and nothing written."""

from __future__ import annotations

import pytest
from django.core.management import CommandError

from reporting.ledger_import import LedgerImportError, parse
from reporting.models import BalanceTransaction, Event, Payout

from .conftest import (
    BALANCE_CSV,
    BALANCE_HEADER,
    BALANCE_ROWS,
    PAYOUTS_HEADER,
    PAYOUTS_ROWS,
    csv,
    ledger_state,
    with_cell,
)

pytestmark = pytest.mark.django_db


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


def test_parse_stops_after_twenty_problems():
    rows = [[f"txn_{i}", *BALANCE_ROWS[0][1:4], "bad", *BALANCE_ROWS[0][5:]] for i in range(50)]

    with pytest.raises(LedgerImportError) as error:
        parse(csv(BALANCE_HEADER, *rows))

    assert len(error.value.problems) == 21
    assert str(error.value.problems[-1]) == "stopped after 20 problems"
