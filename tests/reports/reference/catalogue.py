"""The report types the reference writes, and each one's columns and default columns."""

from __future__ import annotations

from dataclasses import dataclass

PAYOUT_CATEGORIES = {"payout", "payout_reversal"}

ACTIVITY = "balance_change_from_activity.itemized.1"
PAYOUTS = "payouts.itemized.1"
SUMMARY = "balance.summary.1"
ACTIVITY_SUMMARY = "balance_change_from_activity.summary.1"
PAYOUTS_SUMMARY = "payouts.summary.1"
RECONCILIATION_SUMMARY = "payout_reconciliation.summary.1"
BY_ID_SUMMARY = "payout_reconciliation.by_id.summary.1"
ENDING_SUMMARY = "ending_balance_reconciliation.summary.1"


# Column catalogue (report-types.md §2.3, §2.4, §3), written out here, not imported.

ADDRESS_COLUMNS = [
    f"{address}_{part}"
    for address in ("customer_shipping_address", "customer_address", "shipping_address", "card_address")
    for part in ("line1", "line2", "city", "state", "postal_code", "country")
]
# Every balance-transaction column, in the order of a real all-columns export.
ALL_TRANSACTION_COLUMNS = [
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
    "source_id",
    "description",
    "customer_facing_amount",
    "customer_facing_currency",
    "trace_id",
    "trace_id_status",
    "automatic_payout_id",
    "automatic_payout_effective_at_utc",
    "automatic_payout_effective_at",
    "customer_id",
    "customer_email",
    "customer_name",
    "customer_description",
    *ADDRESS_COLUMNS,
    "charge_id",
    "payment_intent_id",
    "charge_created_utc",
    "charge_created",
    "invoice_id",
    "invoice_number",
    "subscription_id",
    "payment_method_type",
    "is_link",
    "card_brand",
    "card_funding",
    "card_country",
    "statement_descriptor",
    "dispute_reason",
    "connected_account_id",
    "connected_account_name",
    "connected_account_country",
    "connected_account_direct_charge_id",
    "application_fee",
    "regulatory_tag",
]
LOCAL_TWINS = {"created", "available_on", "automatic_payout_effective_at", "charge_created"}
# The first versions' smaller set (as shipped since issue 3).
BASIC_COLUMNS = [
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
    "customer_email",
    "charge_id",
    "payment_method_type",
    "card_brand",
    "card_country",
    "dispute_reason",
]
TRACE_COLUMNS = {"trace_id", "trace_id_status"}
# Only platforms and Brazilian accounts fill these: the latest versions' union adds them.
RARE_COLUMNS = {"connected_account_direct_charge_id", "application_fee", "regulatory_tag"}
PAYOUT_FIRST = ["automatic_payout_id", "automatic_payout_effective_at_utc", "automatic_payout_effective_at"]


def _without(names: list[str], *drop: set[str]) -> list[str]:
    dropped = set().union(*drop)
    return [n for n in names if n not in dropped]


def _payout_first(names: list[str]) -> list[str]:
    """The reconciliation order: the settling payout's id and arrival, then the rest."""
    return [n for n in PAYOUT_FIRST if n in names] + [n for n in names if n not in PAYOUT_FIRST]


ACTIVITY_DEFAULT = [
    "balance_transaction_id",
    "created_utc",
    "available_on_utc",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "description",
]
ACTIVITY_DEFAULT_LOCAL = [n.removesuffix("_utc") for n in ACTIVITY_DEFAULT]
RECONCILIATION_DEFAULT = ["automatic_payout_id", "automatic_payout_effective_at_utc", *ACTIVITY_DEFAULT]
RECONCILIATION_DEFAULT_LOCAL = [n.removesuffix("_utc") for n in RECONCILIATION_DEFAULT]
# Version 1 of the payout reconciliation names the arrival without `_utc`, yet writes it in UTC.
RECONCILIATION_V1 = [
    "automatic_payout_effective_at" if n == "automatic_payout_effective_at_utc" else n
    for n in _payout_first(BASIC_COLUMNS)
]
RECONCILIATION_DEFAULT_V1 = ["automatic_payout_id", "automatic_payout_effective_at", *ACTIVITY_DEFAULT]
RECONCILIATION_V2 = _payout_first(_without(ALL_TRANSACTION_COLUMNS, LOCAL_TWINS, TRACE_COLUMNS, RARE_COLUMNS))
RECONCILIATION_V3 = _payout_first(_without(ALL_TRANSACTION_COLUMNS, LOCAL_TWINS, RARE_COLUMNS))
RECONCILIATION_V4 = _payout_first(_without(ALL_TRANSACTION_COLUMNS, RARE_COLUMNS))
RECONCILIATION_V5 = _payout_first(ALL_TRANSACTION_COLUMNS)

PAYOUTS_ALL = [
    "payout_id",
    "effective_at_utc",
    "effective_at",
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
    "payout_reversed_at",
    "payout_type",
    "payout_description",
    "payout_destination_id",
    "trace_id",
    "trace_id_status",
    "application_fee",
]
PAYOUTS_LOCAL = {"effective_at", "payout_reversed_at"}
PAYOUTS_DEFAULT = [
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
]
PAYOUTS_DEFAULT_LOCAL = [n.removesuffix("_utc") for n in PAYOUTS_DEFAULT]

SUMMARY_COLUMNS = ["category", "description", "net_amount", "currency"]
CATEGORY_SUMMARY_COLUMNS = ["reporting_category", "currency", "count", "gross", "fee", "net"]


@dataclass(frozen=True)
class Itemized:
    rows: str  # activity | payouts | settled_in_interval | settled_by | unsettled_at
    columns: list[str]
    default: list[str]
    metadata: bool = False
    utc_arrival: bool = False  # `automatic_payout_effective_at` written in UTC (payout reconciliation v1)


ITEMIZED_TYPES: dict[str, Itemized] = {
    ACTIVITY: Itemized("activity", BASIC_COLUMNS, ACTIVITY_DEFAULT),
    "balance_change_from_activity.itemized.2": Itemized(
        "activity", _without(ALL_TRANSACTION_COLUMNS, LOCAL_TWINS), ACTIVITY_DEFAULT, metadata=True
    ),
    "balance_change_from_activity.itemized.3": Itemized(
        "activity", ALL_TRANSACTION_COLUMNS, ACTIVITY_DEFAULT_LOCAL, metadata=True
    ),
    PAYOUTS: Itemized("payouts", _without(PAYOUTS_ALL, PAYOUTS_LOCAL, {"application_fee"}), PAYOUTS_DEFAULT),
    "payouts.itemized.2": Itemized("payouts", _without(PAYOUTS_ALL, PAYOUTS_LOCAL), PAYOUTS_DEFAULT),
    "payouts.itemized.3": Itemized("payouts", PAYOUTS_ALL, PAYOUTS_DEFAULT_LOCAL),
    "payout_reconciliation.itemized.1": Itemized(
        "settled_in_interval", RECONCILIATION_V1, RECONCILIATION_DEFAULT_V1, utc_arrival=True
    ),
    "payout_reconciliation.itemized.2": Itemized(
        "settled_in_interval", RECONCILIATION_V2, RECONCILIATION_DEFAULT, metadata=True
    ),
    "payout_reconciliation.itemized.3": Itemized(
        "settled_in_interval", RECONCILIATION_V3, RECONCILIATION_DEFAULT, metadata=True
    ),
    "payout_reconciliation.itemized.4": Itemized(
        "settled_in_interval", RECONCILIATION_V4, RECONCILIATION_DEFAULT_LOCAL, metadata=True
    ),
    "payout_reconciliation.itemized.5": Itemized(
        "settled_in_interval", RECONCILIATION_V5, RECONCILIATION_DEFAULT_LOCAL, metadata=True
    ),
    "payout_reconciliation.by_id.itemized.1": Itemized(
        "settled_by", RECONCILIATION_V1, RECONCILIATION_DEFAULT_V1, utc_arrival=True
    ),
    "payout_reconciliation.by_id.itemized.2": Itemized(
        "settled_by", RECONCILIATION_V2, RECONCILIATION_DEFAULT, metadata=True
    ),
    "payout_reconciliation.by_id.itemized.3": Itemized(
        "settled_by", RECONCILIATION_V3, RECONCILIATION_DEFAULT, metadata=True
    ),
    "payout_reconciliation.by_id.itemized.4": Itemized(
        "settled_by", RECONCILIATION_V4, RECONCILIATION_DEFAULT_LOCAL, metadata=True
    ),
    "ending_balance_reconciliation.itemized.1": Itemized(
        "unsettled_at", _payout_first(BASIC_COLUMNS), ACTIVITY_DEFAULT
    ),
    "ending_balance_reconciliation.itemized.2": Itemized(
        "unsettled_at", RECONCILIATION_V3, ACTIVITY_DEFAULT, metadata=True
    ),
    "ending_balance_reconciliation.itemized.3": Itemized(
        "unsettled_at", RECONCILIATION_V4, ACTIVITY_DEFAULT_LOCAL, metadata=True
    ),
    "ending_balance_reconciliation.itemized.4": Itemized(
        "unsettled_at", RECONCILIATION_V5, ACTIVITY_DEFAULT_LOCAL, metadata=True
    ),
}
# Summaries by category: which transactions each one sums.
CATEGORY_SUMMARIES = {
    ACTIVITY_SUMMARY: "activity",
    PAYOUTS_SUMMARY: "payouts",
    RECONCILIATION_SUMMARY: "settled_in_interval",
    BY_ID_SUMMARY: "settled_by",
    ENDING_SUMMARY: "unsettled_at",
}

COLUMNS: dict[str, list[str]] = {
    **{name: spec.columns for name, spec in ITEMIZED_TYPES.items()},
    SUMMARY: SUMMARY_COLUMNS,
    **dict.fromkeys(CATEGORY_SUMMARIES, CATEGORY_SUMMARY_COLUMNS),
}
DEFAULTS: dict[str, list[str]] = {
    **{name: spec.default for name, spec in ITEMIZED_TYPES.items()},
    SUMMARY: SUMMARY_COLUMNS,
    **dict.fromkeys(CATEGORY_SUMMARIES, CATEGORY_SUMMARY_COLUMNS),
}
