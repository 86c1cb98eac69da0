"""The reporting categories and balance transaction types, against the facts' §4 table."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from reporting.categories import REPORTING_CATEGORIES, TYPE_CATEGORIES, TYPES, UNDOCUMENTED_TYPES, category_of
from reporting.models import BalanceTransaction, DailyTotal
from tests.factories import BalanceTransactionFactory

# Every row of /work/shared/stripe/columns-by-version.md §4: category -> the balance transaction
# types the categories page gives it (none for the five OpenAPI-only ones), plus transfer_failure,
# which only the page's intro table names (§4.1).
FACTS: dict[str, tuple[str, ...]] = {
    "charge": ("charge", "payment", "validation"),
    "charge_failure": ("payment_failure_refund",),
    "dispute": ("adjustment", "adjusted_for_overdraft_transaction"),
    "dispute_reversal": ("adjustment",),
    "partial_capture_reversal": ("refund",),
    "refund": ("refund", "payment_refund"),
    "refund_failure": ("refund_failure",),
    "anticipation_repayment": ("anticipation_repayment",),
    "climate_order_purchase": ("climate_order_purchase", "climate_reservation_purchase"),
    "climate_order_refund": ("climate_order_refund", "climate_reservation_refund"),
    "contribution": ("contribution",),
    "fee": ("stripe_fee",),
    "other_adjustment": ("adjustment", "obligation_outbound", "obligation_reversal_inbound"),
    "payment_network_reserve_hold": ("payment_network_reserve_hold",),
    "payment_network_reserve_release": ("payment_network_reserve_release",),
    "payout": ("payout",),
    "payout_minimum_balance_hold": ("payout_minimum_balance_hold",),
    "payout_minimum_balance_release": ("payout_minimum_balance_release",),
    "payout_reversal": ("payout_cancel", "payout_failure"),
    "risk_reserved_funds": ("reserved_funds",),
    "tax": ("tax_fee",),
    "topup": ("topup",),
    "topup_reversal": ("topup_reversal",),
    "unreconciled_customer_funds": ("transferred_to_balance_transaction",),
    "issuing_authorization_hold": ("issuing_authorization_hold",),
    "issuing_authorization_release": ("issuing_authorization_release",),
    "issuing_disbursement": ("issuing_disbursement",),
    "issuing_dispute": ("issuing_dispute",),
    "issuing_dispute_fraud_liability_debit": ("issuing_dispute_fraud_liability_debit",),
    "issuing_dispute_provisional_credit": ("issuing_dispute_provisional_credit",),
    "issuing_dispute_provisional_credit_reversal": ("issuing_dispute_provisional_credit_reversal",),
    "issuing_transaction": ("issuing_transaction",),
    "advance": ("advance",),
    "advance_funding": ("advance_funding",),
    "connect_collection_transfer": ("connect_collection_transfer",),
    "connect_reserved_funds": ("reserve_transaction",),
    "platform_earning": ("application_fee",),
    "platform_earning_refund": ("application_fee_refund",),
    "transfer": ("transfer", "recipient_transfer"),
    "transfer_reversal": (
        "transfer_cancel",
        "transfer_refund",
        "transfer_failure",
        "recipient_transfer_cancel",
        "recipient_transfer_failure",
    ),
    "financing_paydown": (),
    "financing_paydown_reversal": (),
    "financing_payout": (),
    "financing_payout_reversal": (),
    "network_cost": (),
}
# The types with more than one category, and what tells them apart.
AMBIGUOUS = {
    "dispute": {"source_id": "du_1", "amount": -1000},
    "dispute_reversal": {"source_id": "du_1", "amount": 1000},
    "other_adjustment": {"source_id": "", "amount": -1000},
    "refund": {},
    "partial_capture_reversal": {"partial_capture": True},
}


def test_the_45_categories_are_the_facts_rows():
    assert len(FACTS) == 45
    assert set(REPORTING_CATEGORIES) == set(FACTS)
    assert len(REPORTING_CATEGORIES) == 45
    assert sorted(REPORTING_CATEGORIES) == REPORTING_CATEGORIES  # the API enum's order
    assert "revenue_share" not in REPORTING_CATEGORIES


def test_every_documented_type_maps_to_its_categories_and_no_other():
    documented: dict[str, set[str]] = {}
    for category, types in FACTS.items():
        for type_ in types:
            documented.setdefault(type_, set()).add(category)
    stand_ins = {name: {name} for name in UNDOCUMENTED_TYPES}

    assert {name: set(categories) for name, categories in TYPE_CATEGORIES.items()} == documented | stand_ins


def test_every_category_has_a_stored_type_that_the_facts_give_it():
    assert set(TYPES) == set(REPORTING_CATEGORIES)
    for category, type_ in TYPES.items():
        assert type_ in (FACTS[category] or (category,)), category


@pytest.mark.parametrize("category", REPORTING_CATEGORIES)
def test_stored_type_reads_back_as_its_category(category):
    """category_of(TYPES[c]) == c: by the type alone where it has one category, else with what tells them apart."""
    type_ = TYPES[category]
    if len(TYPE_CATEGORIES[type_]) == 1:
        assert category_of(type_) == category
    else:
        assert category_of(type_, **AMBIGUOUS[category]) == category


@pytest.mark.parametrize(
    ("type_", "kwargs", "category"),
    [
        ("adjustment", {"source_id": "dp_1", "amount": -1500}, "dispute"),  # an older dispute id
        ("adjustment", {"source_id": "du_1", "amount": 0}, "dispute"),  # a dispute fee alone
        ("adjustment", {"source_id": "adj_1", "amount": 1000}, "other_adjustment"),
        ("adjustment", {}, "other_adjustment"),
        ("refund", {"source_id": "re_1", "amount": -1000}, "refund"),
        ("payment_refund", {"partial_capture": True}, "refund"),  # only a card refund is a partial capture's
        ("adjusted_for_overdraft_transaction", {"source_id": "", "amount": 1}, "dispute"),
        ("payout_cancel", {}, "payout_reversal"),
    ],
)
def test_category_of_resolves_like_a_sync(type_, kwargs, category):
    assert category_of(type_, **kwargs) == category


def test_an_unknown_type_has_no_category():
    assert category_of("stripe_fx_fee") is None
    assert category_of("revenue_share") is None


def test_every_category_and_type_fits_the_ledger():
    longest_category = max(map(len, REPORTING_CATEGORIES))
    longest_type = max(map(len, TYPE_CATEGORIES))

    for model in (BalanceTransaction, DailyTotal):
        field = model._meta.get_field("reporting_category")
        assert field.max_length is not None
        assert longest_category <= field.max_length, model
    type_field = BalanceTransaction._meta.get_field("type")
    assert type_field.max_length is not None
    assert longest_type <= type_field.max_length


@pytest.mark.django_db
def test_the_longest_category_and_type_are_stored_whole():
    """PostgreSQL refuses a value longer than the column (SQLite does not check): migration 0009 widened them."""
    category = max(REPORTING_CATEGORIES, key=len)
    type_ = max(TYPE_CATEGORIES, key=len)

    BalanceTransactionFactory(type=type_, reporting_category=category)

    assert BalanceTransaction.objects.values_list("type", "reporting_category").get() == (type_, category)
    assert DailyTotal.objects.values_list("reporting_category", flat=True).get() == category


@pytest.mark.django_db
def test_a_category_still_cannot_change_in_place():
    """Migration 0009 dropped the append-only trigger to widen the column (PostgreSQL): it is back."""
    txn = BalanceTransactionFactory(type="adjustment", reporting_category="other_adjustment")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        BalanceTransaction.objects.filter(pk=txn.pk).update(reporting_category="dispute")

    assert DailyTotal.objects.values_list("reporting_category", flat=True).get() == "other_adjustment"
