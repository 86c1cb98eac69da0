"""A small hand-made ledger whose report files are written out by hand in golden/.

Every figure in golden/*.csv was worked out on paper from the table below
(see golden/README.md), not produced by running the code.

Interval used by the golden files: March 2025, [2025-03-01 00:00:00, 2025-04-01 00:00:00) UTC.
"""

from __future__ import annotations

import pytest

from reporting.models import Account, BalanceTransaction
from tests.factories import AccountFactory

from .builders import at, payout, payout_txn, reversal_txn, txn


@pytest.fixture
def golden_account(db) -> Account:
    """The ledger of golden/README.md (amounts in minor units)."""
    acct = AccountFactory(name="Golden", created=at(2025, 1, 1))

    # Automatic payouts (effective at their arrival midnight).
    po_feb = payout(
        acct,
        "po_usd_auto_feb",
        48520,
        "usd",
        at(2025, 2, 26, 18),
        at(2025, 3, 1),
        automatic=True,
        destination_id="ba_usd_1",
        trace_id="STRIPE-TRACE-FEB",
        trace_id_status="supported",
    )
    po_failed = payout(
        acct,
        "po_usd_failed",
        2980,
        "usd",
        at(2025, 3, 10, 6),
        at(2025, 3, 12),
        automatic=True,
        status="failed",
        reversed_at=at(2025, 3, 13, 9, 15),
        destination_id="ba_usd_1",
    )
    po_mar = payout(
        acct,
        "po_usd_auto_mar",
        104882,
        "usd",
        at(2025, 3, 27, 12),
        at(2025, 4, 1),
        automatic=True,
        destination_id="ba_usd_1",
        trace_id="STRIPE-TRACE-MAR",
        trace_id_status="pending",
    )
    # Manual payouts (effective when created).
    po_manual = payout(
        acct,
        "po_usd_manual",
        5000,
        "usd",
        at(2025, 3, 25, 10, 20, 30),
        at(2025, 3, 27),
        automatic=False,
        destination_id="ba_usd_1",
    )
    po_jpy = payout(
        acct,
        "po_jpy_manual",
        5000,
        "jpy",
        at(2025, 3, 21, 9),
        at(2025, 3, 23),
        automatic=False,
    )

    # usd
    txn(
        acct,
        "txn_usd_01",
        "charge",
        at(2025, 2, 20, 10),
        50000,
        1480,
        "usd",
        "Opening order",
        available_on=at(2025, 2, 22),
        automatic_payout=po_feb,
        destination_payment_id="py_usd_01",
    )
    payout_txn(acct, "txn_usd_po_feb", po_feb, regulatory_tag="REG-PO-FEB")
    txn(
        acct,
        "txn_usd_02",
        "charge",
        at(2025, 3, 1),
        2000,
        88,
        "usd",
        'Order "A", large',
        available_on=at(2025, 3, 3),
        automatic_payout=po_mar,
        source_id="ch_usd_02",
        customer_facing_amount=2000,
        customer_facing_currency="usd",
        customer_id="cus_ann",
        customer_email="ann@example.com",
        customer_name="Ann Example",
        customer_address_line2="",
        customer_address_city="New York ",
        charge_id="ch_usd_02",
        payment_intent_id="pi_usd_02",
        charge_created=at(2025, 2, 28, 23, 59, 58),
        payment_method_type="card",
        is_link=False,
        card_brand="Visa",
        card_funding="credit",
        card_country="US",
        statement_descriptor="GOLDEN* ORDER A",
        payment_metadata={"order_id": "A-1", "Channel": "web"},
    )
    txn(
        acct,
        "txn_usd_03",
        "charge",
        at(2025, 3, 5, 14, 30, 15),
        120000,
        3510,
        "usd",
        None,
        available_on=at(2025, 3, 7),
        automatic_payout=po_mar,
        source_id="ch_usd_03",
        customer_facing_amount=110000,
        customer_facing_currency="eur",
        charge_id="ch_usd_03",
        charge_created=at(2025, 3, 5, 14, 30, 15),
        payment_method_type="link",
        is_link=True,
        payment_metadata={"order_id": "B-2"},
    )
    txn(
        acct,
        "txn_usd_04",
        "refund",
        at(2025, 3, 6, 9),
        -2000,
        0,
        "usd",
        'REFUND FOR CHARGE (Order "A", large)',
        automatic_payout=po_mar,
        source_id="re_usd_04",
        customer_facing_amount=-2000,
        customer_facing_currency="usd",
        charge_id="ch_usd_02",
        charge_created=at(2025, 2, 28, 23, 59, 58),
        payment_metadata={"order_id": "A-1", "Channel": "web"},
        refund_metadata={"reason": 'box "damaged", returned'},
    )
    txn(
        acct,
        "txn_usd_05",
        "charge",
        at(2025, 3, 8, 11, 11, 11),
        3100,
        120,
        "usd",
        "Workshop",
        available_on=at(2025, 3, 10),
        automatic_payout=po_failed,
        charge_id="ch_usd_05",
        charge_created=at(2025, 3, 8, 11, 11, 11),
        payment_method_type="card",
        is_link=False,
        card_brand="MasterCard",
        order_id="or_usd_05",
        payment_metadata={"order_id": "C-3"},
    )
    txn(
        acct,
        "txn_usd_06",
        "fee",
        at(2025, 3, 10),
        -1500,
        0,
        "usd",
        "Billing - Radar",
        automatic_payout=po_mar,
    )
    payout_txn(acct, "txn_usd_po_failed", po_failed)
    txn(
        acct,
        "txn_usd_07",
        "dispute",
        at(2025, 3, 12, 16, 45),
        -12000,
        1500,
        "usd",
        "Chargeback withdrawal for ch_usd_03",
        automatic_payout=po_mar,
        source_id="dp_usd_07",
        charge_id="ch_usd_03",
        charge_created=at(2025, 3, 5, 14, 30, 15),
        dispute_reason="fraudulent",
    )
    reversal = reversal_txn(acct, "txn_usd_po_failed_rev", po_failed, at(2025, 3, 13, 9, 15), regulatory_tag="")
    BalanceTransaction.objects.filter(pk=reversal.pk).update(automatic_payout=po_mar)
    txn(
        acct,
        "txn_usd_08",
        "other_adjustment",
        at(2025, 3, 15, 8),
        500,
        0,
        "usd",
        "",
        automatic_payout=po_mar,
    )
    payout_txn(acct, "txn_usd_po_manual", po_manual)
    payout_txn(acct, "txn_usd_po_mar", po_mar)  # effective 2025-04-01 00:00:00: on interval_end
    txn(
        acct,
        "txn_usd_09",
        "charge",
        at(2025, 4, 1),
        9999,
        320,
        "usd",
        "After the end",
        available_on=at(2025, 4, 3),
    )

    # jpy (no decimals)
    txn(
        acct,
        "txn_jpy_00",
        "charge",
        at(2025, 2, 15, 12),
        10000,
        360,
        "jpy",
        "Kimono rental",
        available_on=at(2025, 2, 17),
    )
    txn(
        acct,
        "txn_jpy_01",
        "charge",
        at(2025, 3, 2, 8),
        1500,
        54,
        "jpy",
        "Tea set",
        available_on=at(2025, 3, 4),
        charge_id="ch_jpy_01",
        charge_created=at(2025, 3, 2, 8),
        is_link=False,
        payment_metadata={"order_id": "J-1"},
    )
    txn(
        acct,
        "txn_jpy_02",
        "refund",
        at(2025, 3, 20, 13),
        -1500,
        0,
        "jpy",
        "REFUND FOR CHARGE (Tea set)",
    )
    payout_txn(acct, "txn_jpy_po_manual", po_jpy)
    txn(
        acct,
        "txn_jpy_03",
        "charge",
        at(2025, 3, 31, 23, 59, 59),
        800,
        29,
        "jpy",
        "Last-second sale",
        available_on=at(2025, 4, 2),
    )

    # eur: a single row
    txn(
        acct,
        "txn_eur_01",
        "charge",
        at(2025, 3, 14, 10),
        4999,
        170,
        "eur",
        "Café order",
        available_on=at(2025, 3, 16),
    )

    # gbp: only after the interval, so no gbp block in March
    txn(
        acct,
        "txn_gbp_01",
        "charge",
        at(2025, 4, 2, 12),
        2500,
        100,
        "gbp",
        "April only",
        available_on=at(2025, 4, 4),
    )

    # Noise that must never show: live mode, and another account.
    txn(
        acct,
        "txn_live_01",
        "charge",
        at(2025, 3, 10, 12),
        777700,
        0,
        "usd",
        "Live mode",
        livemode=True,
    )
    other = AccountFactory(name="Other")
    txn(
        other,
        "txn_usd_02",
        "charge",
        at(2025, 3, 10, 12),
        888800,
        0,
        "usd",
        "Other account",
    )
    other_po = payout(
        other,
        "po_usd_manual",
        888800,
        "usd",
        at(2025, 3, 11),
        at(2025, 3, 13),
        automatic=False,
    )
    payout_txn(other, "txn_other_po", other_po)
    return acct
