"""A month of activity and payouts, by hand, using every column of every itemized report."""

from __future__ import annotations

from reporting.models import BalanceTransaction
from reporting.models.ledger import ADDRESS_PARTS
from tests.factories import BalanceTransactionFactory, PayoutFactory

from .conftest import at


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


# Fewer details: the other metadata keys are absent (empty cells). Text a spreadsheet would run as a
# formula (written spreadsheet-safe behind a '), and text typed with a ' in front, which gains one.
CH_02 = {
    "payment_intent_id": "pi_02",
    "charge_created": at(3, 5, 14, 30, 15),
    "is_link": False,
    "customer_name": '=HYPERLINK("http://evil.example/x","click")',
    "customer_description": "'=typed with a quote",
    "invoice_number": "\t-0001",
    "statement_descriptor": "\r+1+1",
    "payment_metadata": {"order_id": "A-2", "note": "@SUM(1+1)*cmd|' /C calc'!A0"},
}


def build_ledger(account):
    """Build a month of activity and payouts using every column of every itemized report."""

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
    po_kwd = payout(
        "po_kwd", 12345, at(3, 25, 16), at(3, 27), automatic=False, currency="kwd", status="pending", description="-2+3"
    )
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
