"""Files against the ledger: payouts created and completed, rows skipped, linked or refused."""

from __future__ import annotations

import pytest
from django.core.management import CommandError

from reporting.models import BalanceTransaction, Payout
from tests.factories import AccountFactory, BalanceTransactionFactory

from .conftest import (
    BALANCE_CSV,
    BALANCE_HEADER,
    BALANCE_ROWS,
    PAYOUTS_CSV,
    PAYOUTS_HEADER,
    PAYOUTS_ROWS,
    WIDE_HEADER,
    WIDE_ROWS,
    at,
    csv,
    ledger_state,
    txn,
    with_cell,
)

pytestmark = pytest.mark.django_db


# Payouts from either file -------------------------------------------------------------------------


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


# Importing again ----------------------------------------------------------------------------------


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


# Rows the ledger has otherwise: nothing written ---------------------------------------------------


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


# Reconciliation exports: the balance layout with payout rows --------------------------------------

RECONCILIATION_HEADER = BALANCE_HEADER[:14]
# fmt: off
# po_1's own transaction as a reconciliation export lists it: its source is the payout.
PO_1_ROW: list[str | None] = ["txn_po_1", "2025-03-03 00:00:00", "2025-03-05 00:00:00", "usd", "-148.20", "0.00", "-148.20", "payout", "po_1", "STRIPE PAYOUT", None, None, None, None]
# fmt: on


def test_payout_rows_in_the_balance_layout_link_to_known_payouts(load, fresh):
    load(fresh, PAYOUTS_CSV)
    # fmt: off
    rows = [
        # A payout the ledger has (its row already imported: skipped), and one it does not.
        PO_1_ROW,
        ["txn_po_9", "2025-03-20 10:00:00", "2025-03-20 10:00:00", "usd", "-20.00", "0.00", "-20.00", "payout", "po_9", "STRIPE PAYOUT", None, None, None, None],
        ["txn_po_3_rev", "2025-03-12 09:15:00", "2025-03-12 09:15:00", "jpy", "5000", "0", "5000", "payout_reversal", "po_3", "Payout failure", None, None, None, None],
    ]
    # fmt: on

    output = load(fresh, csv(RECONCILIATION_HEADER, *rows))

    assert "1 added, 2 already in the ledger" in output
    unknown = txn("txn_po_9")
    assert (unknown.payout, unknown.amount, unknown.effective_at) == (None, -2000, at(3, 20, 10))
    assert "1 payout transaction(s) name payouts the ledger does not have (po_9)" in output
    assert not Payout.objects.filter(stripe_id="po_9").exists()


def test_a_payout_row_in_the_balance_layout_is_dated_by_its_payout(load, fresh):
    load(fresh, BALANCE_CSV)  # po_1, effective 2025-03-05, known from automatic_payout_id

    load(fresh, csv(RECONCILIATION_HEADER, PO_1_ROW))

    payout_txn = txn("txn_po_1")
    assert payout_txn.payout.stripe_id == "po_1"
    assert (payout_txn.created, payout_txn.effective_at) == (at(3, 3), at(3, 5))
    # Its own row gives the placeholder payout its amount.
    assert Payout.objects.get(stripe_id="po_1").amount == 14820
