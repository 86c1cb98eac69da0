"""Rows of either layout into the ledger: amounts, dates, details, payouts."""

from __future__ import annotations

import pytest

from reporting.models import Payout

from .conftest import BALANCE_CSV, BALANCE_HEADER, BALANCE_ROWS, PAYOUTS_CSV, WIDE_HEADER, WIDE_ROWS, at, csv, txn

pytestmark = pytest.mark.django_db


# The balance layout and its wide versions ---------------------------------------------------------


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


def test_trace_columns_describe_the_settling_payout(load, fresh):
    header = [*BALANCE_HEADER, "trace_id", "trace_id_status"]
    rows = [[*row, "STRIPE-T1" if row[12] else None, "supported" if row[12] else None] for row in BALANCE_ROWS]

    load(fresh, csv(header, *rows))

    payout = Payout.objects.get(stripe_id="po_1")
    assert (payout.trace_id, payout.trace_id_status, payout.amount) == ("STRIPE-T1", "supported", 0)


# The payouts layout -------------------------------------------------------------------------------


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
