"""Stripe's balance transaction reporting categories (stripe/report-types.md), one list for every door."""

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
    "issuing_dispute",
    "issuing_transaction",
    "network_cost",
    "other_adjustment",
    "partial_capture_reversal",
    "payout",
    "payout_minimum_balance_hold",
    "payout_minimum_balance_release",
    "payout_reversal",
    "platform_earning",
    "platform_earning_refund",
    "refund",
    "refund_failure",
    "revenue_share",
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
