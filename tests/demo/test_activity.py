"""The generated charges, refunds, disputes, transfers and fees, and the customer and card details they carry."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from reporting.models.ledger import ADDRESS_FIELDS, ADDRESS_PARTS

pytestmark = pytest.mark.django_db


def test_generate_ledger_charges_carry_card_and_customer_details(txns):
    charges = [t for t in txns if t.reporting_category == "charge"]

    assert all(t.source_id.startswith("ch_") and t.charge_id == t.source_id for t in charges)
    assert all(t.customer_id.startswith("cus_") and "@" in t.customer_email for t in charges)
    assert {t.card_brand for t in charges} == {"Visa", "MasterCard", "American Express"}
    assert all(t.payment_method_type == "card" and t.card_country for t in charges)
    assert all((t.customer_facing_amount, t.customer_facing_currency) == (t.amount, t.currency) for t in charges)
    assert all(0 < t.fee < t.amount for t in charges if t.currency != "jpy")


def address(t, name):
    return tuple(getattr(t, f"{name}_{part}") for part in ADDRESS_PARTS)


def test_generate_ledger_charges_carry_the_source_object_columns(txns):
    charges = [t for t in txns if t.reporting_category == "charge"]

    assert all(t.customer_name and t.customer_name.istitle() for t in charges)
    assert all(t.card_funding in {"credit", "debit"} for t in charges)
    assert {t.card_funding for t in charges} == {"credit", "debit"}
    assert all(re.fullmatch("[A-Z]{2}", t.card_country) for t in charges)
    assert all(t.payment_intent_id.startswith("pi_") and t.charge_created == t.created for t in charges)
    assert {t.is_link for t in charges} == {True, False}
    assert all(t.statement_descriptor.startswith("DEMOCO") and len(t.statement_descriptor) <= 22 for t in charges)
    # The customer's description: mostly none, sometimes an empty string, sometimes text.
    assert {t.customer_description is None for t in charges} == {True, False}
    assert "" in {t.customer_description for t in charges}


def test_generate_ledger_addresses_are_complete_or_absent(txns):
    charges = [t for t in txns if t.reporting_category == "charge"]

    for t in charges:
        card = address(t, "card_address")
        assert all(part is not None for part in card)
        assert card[-1] == t.card_country
        for name in ("customer_address", "customer_shipping_address", "shipping_address"):
            parts = address(t, name)
            assert all(p is None for p in parts) or all(p is not None for p in parts), (name, parts)
    # An empty second line is an empty string (",""," in the files), an absent address null (",,").
    assert {t.card_address_line2 == "" for t in charges} == {True, False}
    for name in ("customer_address_line1", "customer_shipping_address_line1", "shipping_address_line1"):
        assert {getattr(t, name) is None for t in charges} == {True, False}, name


def test_generate_ledger_links_billing_to_subscriptions_and_invoices(txns):
    charges = [t for t in txns if t.reporting_category == "charge"]
    subscriptions = [t for t in charges if t.description.startswith("Subscription")]
    orders = [t for t in charges if t.description.startswith("Order ")]

    assert subscriptions
    assert orders
    assert all(t.subscription_id.startswith("sub_") and t.invoice_id.startswith("in_") for t in subscriptions)
    assert all(re.fullmatch("[0-9A-F]{8}-[0-9]{4}", t.invoice_number) for t in subscriptions)
    assert all(t.invoice_id is None and t.subscription_id is None for t in orders)
    invoices = [t.invoice_number for t in charges if t.invoice_number]
    assert len(invoices) == len(set(invoices))
    # A customer keeps one subscription.
    by_customer = defaultdict(set)
    for t in subscriptions:
        by_customer[t.customer_id].add(t.subscription_id)
    assert all(len(ids) == 1 for ids in by_customer.values())


def test_generate_ledger_payment_metadata_names_the_order(txns):
    charges = [t for t in txns if t.reporting_category == "charge"]
    orders = [t for t in charges if t.description.startswith("Order ")]
    keys = {key for t in charges for key in t.payment_metadata or {}}

    assert all(t.payment_metadata["order_id"] == t.description.removeprefix("Order ") for t in orders)
    assert all(isinstance(v, str) for t in charges for v in (t.payment_metadata or {}).values())
    assert any(key != key.lower() for key in keys)  # upper-case keys sort first in the files
    assert any(t.payment_metadata is None for t in charges)


def test_generate_ledger_a_share_of_the_orders_went_through_stripe_orders(txns):
    charges = [t for t in txns if t.reporting_category == "charge"]
    orders = [t for t in charges if t.description.startswith("Order ")]
    placed = [t.order_id for t in orders if t.order_id is not None]

    assert all(re.fullmatch("order_[0-9A-Za-z]{24}", order) for order in placed)
    assert len(set(placed)) == len(placed)
    assert 0.15 < len(placed) / len(orders) < 0.45  # about 30%; the rest came through the shop's own checkout
    # Billing (invoices, subscriptions) has no order behind it.
    assert all(t.order_id is None for t in charges if not t.description.startswith("Order "))


# What a refund or dispute repeats of its charge: everything about the charge and its customer.
CHARGE_DETAILS = [
    "charge_id",
    "customer_id",
    "customer_email",
    "customer_name",
    "customer_description",
    *ADDRESS_FIELDS,
    "payment_intent_id",
    "charge_created",
    "invoice_id",
    "invoice_number",
    "subscription_id",
    "order_id",
    "payment_method_type",
    "is_link",
    "card_brand",
    "card_funding",
    "card_country",
    "statement_descriptor",
    "payment_metadata",
]


def test_generate_ledger_refunds_point_to_their_charge(txns):
    charges = {t.charge_id: t for t in txns if t.reporting_category == "charge"}
    refunds = [t for t in txns if t.reporting_category == "refund"]

    assert refunds
    for refund in refunds:
        charge = charges[refund.charge_id]
        assert refund.source_id.startswith("re_")
        assert (refund.fee, refund.net) == (0, refund.amount)
        assert 0 < -refund.amount <= charge.amount
        assert refund.description == f"REFUND FOR CHARGE ({charge.description})"
        assert refund.created > charge.created
        assert refund.charge_created == charge.created
        assert [getattr(refund, f) for f in CHARGE_DETAILS] == [getattr(charge, f) for f in CHARGE_DETAILS]
    assert {r.refund_metadata is None for r in refunds} == {True, False}
    assert all(set(r.refund_metadata) >= {"reason_code"} for r in refunds if r.refund_metadata)
    assert all(t.refund_metadata is None for t in txns if t.reporting_category != "refund")


def test_generate_ledger_disputes_repeat_their_charge(txns):
    charges = {t.charge_id: t for t in txns if t.reporting_category == "charge"}
    disputes = [t for t in txns if t.reporting_category in ("dispute", "dispute_reversal")]

    assert disputes
    for dispute in disputes:
        charge = charges[dispute.charge_id]
        assert dispute.charge_created == charge.created < dispute.created
        assert [getattr(dispute, f) for f in CHARGE_DETAILS] == [getattr(charge, f) for f in CHARGE_DETAILS]


def test_generate_ledger_transfers_name_the_connected_account(txns):
    transfers = [t for t in txns if t.reporting_category == "transfer"]
    others = [t for t in txns if t.reporting_category != "transfer"]

    assert transfers
    for t in transfers:
        assert t.amount < 0
        assert t.source_id.startswith("tr_")
        assert (t.connected_account_id, t.connected_account_country) == ("acct_1PartnerStudioDE0", "DE")
        assert t.transfer_metadata["period"] == t.description.removeprefix("Revenue share ")
        assert t.customer_id is None
        assert re.fullmatch("py_[0-9A-Za-z]{24}", t.destination_payment_id)
    assert len({t.destination_payment_id for t in transfers}) == len(transfers)
    assert all(t.connected_account_id is None and t.transfer_metadata is None for t in others)
    assert all(t.destination_payment_id is None for t in others)


def test_generate_ledger_leaves_platform_only_columns_empty(txns):
    """The demo business is no platform and not in Brazil."""
    assert all(t.application_fee is None for t in txns)
    assert all(t.connected_account_direct_charge_id is None and t.regulatory_tag is None for t in txns)


def test_generate_ledger_other_rows_carry_no_customer(txns):
    bare = [t for t in txns if t.reporting_category in ("fee", "other_adjustment", "payout", "payout_reversal")]

    assert bare
    assert all(t.customer_id is None and t.charge_created is None and t.payment_metadata is None for t in bare)
    assert all(t.order_id is None for t in bare)
    assert all(t.card_address_line1 is None and t.is_link is None for t in bare)


def test_generate_ledger_disputes_have_a_reason_and_take_the_charge_back(txns):
    disputes = [t for t in txns if t.reporting_category == "dispute"]

    assert disputes
    assert all(t.source_id.startswith("dp_") and t.dispute_reason for t in disputes)
    assert all(t.amount < 0 < t.fee for t in disputes)
