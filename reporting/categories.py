"""Stripe's reporting categories and balance transaction types: the one home of both, for every door.

Sources (/work/shared/stripe/columns-by-version.md §4): the categories are every
value of Stripe's reporting-categories page (2024 and newer copies) and of the
OpenAPI `reporting_category` enum, 45 in all; the enum lacks eight that the page
has, the page five that the enum has, and a real account may meet any of them.

Each category's balance transaction `type`s are the page's: most types have one
category; `adjustment` and `refund` have several, which `category_of` resolves.
"""

from __future__ import annotations

REPORTING_CATEGORIES = [
    "advance",
    "advance_funding",
    "anticipation_repayment",
    "charge",
    "charge_failure",
    "climate_order_purchase",
    "climate_order_refund",
    "connect_collection_transfer",
    "connect_reserved_funds",
    "contribution",
    "dispute",
    "dispute_reversal",
    "fee",
    "financing_paydown",
    "financing_paydown_reversal",
    "financing_payout",
    "financing_payout_reversal",
    "issuing_authorization_hold",
    "issuing_authorization_release",
    "issuing_disbursement",
    "issuing_dispute",
    "issuing_dispute_fraud_liability_debit",
    "issuing_dispute_provisional_credit",
    "issuing_dispute_provisional_credit_reversal",
    "issuing_transaction",
    "network_cost",
    "other_adjustment",
    "partial_capture_reversal",
    "payment_network_reserve_hold",
    "payment_network_reserve_release",
    "payout",
    "payout_minimum_balance_hold",
    "payout_minimum_balance_release",
    "payout_reversal",
    "platform_earning",
    "platform_earning_refund",
    "refund",
    "refund_failure",
    "risk_reserved_funds",
    "tax",
    "topup",
    "topup_reversal",
    "transfer",
    "transfer_reversal",
    "unreconciled_customer_funds",
]

# Payouts (and failed payouts coming back) are not "activity" (design.md).
PAYOUT_CATEGORIES = ("payout", "payout_reversal")

# Categories whose type has the category's own name (the page names each so).
_SAME_NAME = (
    "anticipation_repayment",
    "climate_order_purchase",
    "climate_order_refund",
    "contribution",
    "payment_network_reserve_hold",
    "payment_network_reserve_release",
    "payout",
    "payout_minimum_balance_hold",
    "payout_minimum_balance_release",
    "refund_failure",
    "topup",
    "topup_reversal",
    "issuing_authorization_hold",
    "issuing_authorization_release",
    "issuing_disbursement",
    "issuing_dispute",
    "issuing_dispute_fraud_liability_debit",
    "issuing_dispute_provisional_credit",
    "issuing_dispute_provisional_credit_reversal",
    "issuing_transaction",
    "advance",
    "advance_funding",
    "connect_collection_transfer",
    "transfer",
)
# The five OpenAPI-only categories: no page names their types, so the ledger stores the
# category's name as a stand-in type (never a type Stripe's API returns).
UNDOCUMENTED_TYPES = (
    "financing_paydown",
    "financing_paydown_reversal",
    "financing_payout",
    "financing_payout_reversal",
    "network_cost",
)

# Balance transaction type -> the categories it can have, the one `category_of` falls back to first.
TYPE_CATEGORIES: dict[str, tuple[str, ...]] = {
    **{name: (name,) for name in (*_SAME_NAME, *UNDOCUMENTED_TYPES)},
    "charge": ("charge",),
    "payment": ("charge",),
    "validation": ("charge",),
    "payment_failure_refund": ("charge_failure",),
    "adjustment": ("other_adjustment", "dispute", "dispute_reversal"),
    "adjusted_for_overdraft_transaction": ("dispute",),
    "refund": ("refund", "partial_capture_reversal"),
    "payment_refund": ("refund",),
    "climate_reservation_purchase": ("climate_order_purchase",),
    "climate_reservation_refund": ("climate_order_refund",),
    "stripe_fee": ("fee",),
    "obligation_outbound": ("other_adjustment",),
    "obligation_reversal_inbound": ("other_adjustment",),
    "payout_cancel": ("payout_reversal",),
    "payout_failure": ("payout_reversal",),
    "reserved_funds": ("risk_reserved_funds",),
    "tax_fee": ("tax",),
    "transferred_to_balance_transaction": ("unreconciled_customer_funds",),
    "reserve_transaction": ("connect_reserved_funds",),
    "application_fee": ("platform_earning",),
    "application_fee_refund": ("platform_earning_refund",),
    "recipient_transfer": ("transfer",),
    # The page's intro table and its reference entry each name one of transfer_failure
    # and transfer_refund (§4.1): both are reversals.
    "transfer_cancel": ("transfer_reversal",),
    "transfer_failure": ("transfer_reversal",),
    "transfer_refund": ("transfer_reversal",),
    "recipient_transfer_cancel": ("transfer_reversal",),
    "recipient_transfer_failure": ("transfer_reversal",),
}

# The type the ledger stores for a transaction known only by its category (a report file
# carries the category, not the type): the page's type for it, the most common where it
# names several (a card `charge`, a platform's `transfer_refund`, a `payout_failure`).
TYPES: dict[str, str] = {
    **{name: name for name in (*_SAME_NAME, *UNDOCUMENTED_TYPES)},
    "charge": "charge",
    "charge_failure": "payment_failure_refund",
    "dispute": "adjustment",
    "dispute_reversal": "adjustment",
    "partial_capture_reversal": "refund",
    "refund": "refund",
    "fee": "stripe_fee",
    "other_adjustment": "adjustment",
    "payout_reversal": "payout_failure",
    "risk_reserved_funds": "reserved_funds",
    "tax": "tax_fee",
    "unreconciled_customer_funds": "transferred_to_balance_transaction",
    "connect_reserved_funds": "reserve_transaction",
    "platform_earning": "application_fee",
    "platform_earning_refund": "application_fee_refund",
    "transfer_reversal": "transfer_refund",
}

# A dispute's id: `du_` (disputes since 2023), `dp_` (older ones).
DISPUTE_PREFIXES = ("du_", "dp_")


def category_of(type: str, *, source_id: str = "", amount: int = 0, partial_capture: bool = False) -> str | None:
    """Return the reporting category of a balance transaction of this type; None for a type not listed.

    Resolves the two types with several categories as a sync from Stripe's API
    would, from the balance transaction's `source` and `amount`:

    - `adjustment`: a dispute's (source `du_`/`dp_`) is `dispute` when it takes
      money (amount <= 0: the disputed amount, and the dispute fee, withdrawn)
      and `dispute_reversal` when it gives it back (a won dispute); any other
      adjustment is `other_adjustment`.
    - `refund`: `refund`, unless the caller knows it reverses the uncaptured
      part of a partially captured charge (`partial_capture`: the refund Stripe
      makes at capture, not one asked for later), which is
      `partial_capture_reversal`. Nothing on the balance transaction itself tells
      the two apart, so a sync should prefer the API's own `reporting_category`.
    """
    categories = TYPE_CATEGORIES.get(type)
    if categories is None:
        return None
    if type == "adjustment" and source_id.startswith(DISPUTE_PREFIXES):
        return "dispute" if amount <= 0 else "dispute_reversal"
    if type == "refund" and partial_capture:
        return "partial_capture_reversal"
    return categories[0]
