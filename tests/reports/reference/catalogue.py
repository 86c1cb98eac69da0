"""The report types the reference writes, and each one's columns and default columns.

Written out here from Stripe's pages (/work/shared/stripe/columns-by-version.md, issue 12's decisions),
not imported from reporting/:

- DOCUMENTED: each itemized version's columns in the 2024 documented order, `*_metadata[key]`
  placeholders included, copied from the facts' tables.
- A version's "all columns" (what a run may ask for, and its order): the documented order without the
  placeholders, with `trace_id`, `trace_id_status` (listed only by the newer, alphabetical pages) right
  after `customer_facing_currency`, or after `payout_destination_id` in payouts.itemized.*: where the
  real 2024-25 downloads carry them; and `application_fee` last on balance_change_from_activity.itemized.3
  and payouts.itemized.3 (the real downloads of those two versions end with it, facts §7).
- Metadata columns `payment_metadata[KEY]` etc.: only for the fields whose placeholder the version lists.
- Versions without a `timezone` parameter name some times without `_utc` (`automatic_payout_effective_at`,
  `payout_reversed_at`) and write them in UTC.
- Default columns (a run without `columns`): always a subset of the all-columns, in their order.
"""

from __future__ import annotations

import re
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

ADDRESS_COLUMNS = [
    f"{address}_{part}"
    for address in ("customer_shipping_address", "customer_address", "shipping_address", "card_address")
    for part in ("line1", "line2", "city", "state", "postal_code", "country")
]
TRACE_COLUMNS = ["trace_id", "trace_id_status"]
# Times with a `_utc` twin: in the run's timezone where the version takes one, else in UTC.
LOCAL_TWINS = {"created", "available_on", "automatic_payout_effective_at", "charge_created"}
PAYOUTS_LOCAL = {"effective_at", "payout_reversed_at"}
PLACEHOLDER = re.compile(r"(payment_metadata|refund_metadata|transfer_metadata)\[key\]")


def _documented(text: str) -> list[str]:
    return text.split()


# The 2024 documented order of every itemized version (facts §2, §3; the payout-reconciliation
# page's names reconstructed there, §0.3).
DOCUMENTED: dict[str, list[str]] = {
    "balance_change_from_activity.itemized.1": _documented(
        """
        balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
        description customer_facing_amount customer_facing_currency automatic_payout_id
        automatic_payout_effective_at customer_id customer_email customer_name customer_description
        shipping_address_line1 shipping_address_line2 shipping_address_city shipping_address_state
        shipping_address_postal_code shipping_address_country charge_id payment_intent_id charge_created_utc
        invoice_id subscription_id payment_method_type is_link card_brand card_funding card_country
        statement_descriptor
        """
    ),
    "balance_change_from_activity.itemized.2": _documented(
        """
        balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
        description customer_facing_amount customer_facing_currency regulatory_tag automatic_payout_id
        automatic_payout_effective_at customer_id customer_email customer_name customer_description
        customer_shipping_address_line1 customer_shipping_address_line2 customer_shipping_address_city
        customer_shipping_address_state customer_shipping_address_postal_code customer_shipping_address_country
        customer_address_line1 customer_address_line2 customer_address_city customer_address_state
        customer_address_postal_code customer_address_country shipping_address_line1 shipping_address_line2
        shipping_address_city shipping_address_state shipping_address_postal_code shipping_address_country
        card_address_line1 card_address_line2 card_address_city card_address_state card_address_postal_code
        card_address_country charge_id payment_intent_id charge_created_utc invoice_id invoice_number
        subscription_id payment_method_type is_link card_brand card_funding card_country statement_descriptor
        dispute_reason connected_account_id connected_account_name connected_account_country
        connected_account_direct_charge_id payment_metadata[key] refund_metadata[key] transfer_metadata[key]
        """
    ),
    "balance_change_from_activity.itemized.3": _documented(
        """
        balance_transaction_id created_utc created available_on_utc available_on currency gross fee net
        reporting_category source_id description customer_facing_amount customer_facing_currency regulatory_tag
        automatic_payout_id automatic_payout_effective_at_utc automatic_payout_effective_at customer_id
        customer_email customer_name customer_description customer_shipping_address_line1
        customer_shipping_address_line2 customer_shipping_address_city customer_shipping_address_state
        customer_shipping_address_postal_code customer_shipping_address_country customer_address_line1
        customer_address_line2 customer_address_city customer_address_state customer_address_postal_code
        customer_address_country shipping_address_line1 shipping_address_line2 shipping_address_city
        shipping_address_state shipping_address_postal_code shipping_address_country card_address_line1
        card_address_line2 card_address_city card_address_state card_address_postal_code card_address_country
        charge_id payment_intent_id charge_created_utc charge_created invoice_id invoice_number subscription_id
        payment_method_type is_link card_brand card_funding card_country statement_descriptor dispute_reason
        connected_account_id connected_account_name connected_account_country connected_account_direct_charge_id
        payment_metadata[key] refund_metadata[key] transfer_metadata[key]
        """
    ),
    "payouts.itemized.1": _documented(
        """
        payout_id effective_at_utc currency gross fee net reporting_category balance_transaction_id description
        payout_expected_arrival_date payout_status payout_reversed_at payout_type payout_description
        payout_destination_id
        """
    ),
    "payouts.itemized.2": _documented(
        """
        payout_id effective_at_utc currency gross fee net reporting_category balance_transaction_id description
        payout_expected_arrival_date payout_status payout_reversed_at payout_type payout_description
        payout_destination_id regulatory_tag
        """
    ),
    "payouts.itemized.3": _documented(
        """
        payout_id effective_at_utc effective_at currency gross fee net reporting_category balance_transaction_id
        description payout_expected_arrival_date payout_status payout_reversed_at_utc payout_reversed_at payout_type
        payout_description payout_destination_id regulatory_tag
        """
    ),
    "payout_reconciliation.itemized.1": _documented(
        """
        balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
        description customer_facing_amount customer_facing_currency automatic_payout_id
        automatic_payout_effective_at customer_id customer_email customer_description charge_id charge_created_utc
        invoice_id subscription_id is_link card_brand card_funding card_country destination_payment_id
        """
    ),
    "payout_reconciliation.itemized.2": _documented(
        """
        balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
        description customer_facing_amount customer_facing_currency automatic_payout_id
        automatic_payout_effective_at customer_id customer_email customer_description charge_id charge_created_utc
        invoice_id subscription_id is_link card_brand card_funding card_country destination_payment_id
        payment_metadata[key] refund_metadata[key] transfer_metadata[key]
        """
    ),
    "payout_reconciliation.itemized.3": _documented(
        """
        balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
        description customer_facing_amount customer_facing_currency regulatory_tag automatic_payout_id
        automatic_payout_effective_at customer_id customer_email customer_name customer_description
        customer_shipping_address_line1 customer_shipping_address_line2 customer_shipping_address_city
        customer_shipping_address_state customer_shipping_address_postal_code customer_shipping_address_country
        customer_address_line1 customer_address_line2 customer_address_city customer_address_state
        customer_address_postal_code customer_address_country shipping_address_line1 shipping_address_line2
        shipping_address_city shipping_address_state shipping_address_postal_code shipping_address_country
        card_address_line1 card_address_line2 card_address_city card_address_state card_address_postal_code
        card_address_country charge_id payment_intent_id charge_created_utc invoice_id invoice_number
        subscription_id order_id payment_method_type is_link card_brand card_funding card_country
        statement_descriptor dispute_reason connected_account_id connected_account_name connected_account_country
        connected_account_direct_charge_id destination_payment_id payment_metadata[key] refund_metadata[key]
        transfer_metadata[key]
        """
    ),
    "payout_reconciliation.itemized.4": _documented(
        """
        balance_transaction_id created_utc created available_on_utc available_on currency gross fee net
        reporting_category source_id description customer_facing_amount customer_facing_currency automatic_payout_id
        automatic_payout_effective_at_utc automatic_payout_effective_at customer_id customer_email customer_name
        customer_description shipping_address_line1 shipping_address_line2 shipping_address_city
        shipping_address_state shipping_address_postal_code shipping_address_country charge_id payment_intent_id
        charge_created_utc charge_created invoice_id subscription_id payment_method_type is_link card_brand
        card_funding card_country statement_descriptor connected_account_id connected_account_name
        connected_account_country destination_payment_id payment_metadata[key] refund_metadata[key]
        transfer_metadata[key]
        """
    ),
    "payout_reconciliation.itemized.5": _documented(
        """
        automatic_payout_id automatic_payout_effective_at balance_transaction_id created_utc created
        available_on_utc available_on currency gross fee net reporting_category source_id description
        customer_facing_amount customer_facing_currency regulatory_tag automatic_payout_effective_at_utc customer_id
        customer_email customer_name customer_description customer_shipping_address_line1
        customer_shipping_address_line2 customer_shipping_address_city customer_shipping_address_state
        customer_shipping_address_postal_code customer_shipping_address_country customer_address_line1
        customer_address_line2 customer_address_city customer_address_state customer_address_postal_code
        customer_address_country shipping_address_line1 shipping_address_line2 shipping_address_city
        shipping_address_state shipping_address_postal_code shipping_address_country card_address_line1
        card_address_line2 card_address_city card_address_state card_address_postal_code card_address_country
        charge_id payment_intent_id charge_created_utc charge_created invoice_id invoice_number subscription_id
        order_id payment_method_type is_link card_brand card_funding card_country statement_descriptor
        dispute_reason connected_account_id connected_account_name connected_account_country
        connected_account_direct_charge_id destination_payment_id payment_metadata[key] refund_metadata[key]
        transfer_metadata[key]
        """
    ),
    "payout_reconciliation.by_id.itemized.1": _documented(
        """
        balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
        description customer_facing_amount customer_facing_currency automatic_payout_id
        automatic_payout_effective_at customer_id customer_email customer_description charge_id charge_created_utc
        invoice_id subscription_id is_link card_brand card_funding card_country destination_payment_id
        """
    ),
    "payout_reconciliation.by_id.itemized.2": _documented(
        """
        balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
        description customer_facing_amount customer_facing_currency automatic_payout_id
        automatic_payout_effective_at customer_id customer_email customer_description charge_id charge_created_utc
        invoice_id subscription_id is_link card_brand card_funding card_country destination_payment_id
        payment_metadata[key] refund_metadata[key] transfer_metadata[key]
        """
    ),
    "payout_reconciliation.by_id.itemized.3": _documented(
        """
        balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
        description customer_facing_amount customer_facing_currency regulatory_tag automatic_payout_id
        automatic_payout_effective_at customer_id customer_email customer_name customer_description
        shipping_address_line1 shipping_address_line2 shipping_address_city shipping_address_state
        shipping_address_postal_code shipping_address_country charge_id payment_intent_id charge_created_utc
        invoice_id subscription_id payment_method_type is_link card_brand card_funding card_country
        statement_descriptor dispute_reason connected_account_id connected_account_name connected_account_country
        connected_account_direct_charge_id destination_payment_id
        """
    ),
    "payout_reconciliation.by_id.itemized.4": _documented(
        """
        balance_transaction_id created_utc created available_on_utc available_on currency gross fee net
        reporting_category source_id description customer_facing_amount customer_facing_currency regulatory_tag
        automatic_payout_id automatic_payout_effective_at_utc automatic_payout_effective_at customer_id
        customer_email customer_name customer_description shipping_address_line1 shipping_address_line2
        shipping_address_city shipping_address_state shipping_address_postal_code shipping_address_country charge_id
        payment_intent_id charge_created_utc charge_created invoice_id subscription_id payment_method_type is_link
        card_brand card_funding card_country statement_descriptor dispute_reason connected_account_id
        connected_account_name connected_account_country connected_account_direct_charge_id destination_payment_id
        payment_metadata[key] refund_metadata[key] transfer_metadata[key]
        """
    ),
    "ending_balance_reconciliation.itemized.1": _documented(
        """
        balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
        description customer_facing_amount customer_facing_currency automatic_payout_id
        automatic_payout_effective_at customer_id customer_email customer_description shipping_address_line1
        shipping_address_line2 shipping_address_city shipping_address_state shipping_address_postal_code
        shipping_address_country charge_id charge_created_utc invoice_id subscription_id is_link card_brand
        card_funding card_country
        """
    ),
    "ending_balance_reconciliation.itemized.2": _documented(
        """
        balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
        description customer_facing_amount customer_facing_currency regulatory_tag automatic_payout_id
        automatic_payout_effective_at customer_id customer_email customer_name customer_description
        customer_shipping_address_line1 customer_shipping_address_line2 customer_shipping_address_city
        customer_shipping_address_state customer_shipping_address_postal_code customer_shipping_address_country
        customer_address_line1 customer_address_line2 customer_address_city customer_address_state
        customer_address_postal_code customer_address_country shipping_address_line1 shipping_address_line2
        shipping_address_city shipping_address_state shipping_address_postal_code shipping_address_country
        card_address_line1 card_address_line2 card_address_city card_address_state card_address_postal_code
        card_address_country charge_id payment_intent_id charge_created_utc invoice_id invoice_number
        subscription_id payment_method_type is_link card_brand card_funding card_country statement_descriptor
        dispute_reason connected_account_id connected_account_name connected_account_country
        connected_account_direct_charge_id payment_metadata[key] refund_metadata[key] transfer_metadata[key]
        """
    ),
    "ending_balance_reconciliation.itemized.3": _documented(
        """
        balance_transaction_id created_utc created available_on_utc available_on currency gross fee net
        reporting_category source_id description customer_facing_amount customer_facing_currency automatic_payout_id
        automatic_payout_effective_at_utc automatic_payout_effective_at customer_id customer_email customer_name
        customer_description shipping_address_line1 shipping_address_line2 shipping_address_city
        shipping_address_state shipping_address_postal_code shipping_address_country charge_id payment_intent_id
        charge_created_utc charge_created invoice_id subscription_id payment_method_type is_link card_brand
        card_funding card_country statement_descriptor connected_account_id connected_account_name
        connected_account_country
        """
    ),
    "ending_balance_reconciliation.itemized.4": _documented(
        """
        automatic_payout_id automatic_payout_effective_at balance_transaction_id created_utc created
        available_on_utc available_on currency gross fee net reporting_category source_id description
        customer_facing_amount customer_facing_currency regulatory_tag automatic_payout_effective_at_utc customer_id
        customer_email customer_name customer_description customer_shipping_address_line1
        customer_shipping_address_line2 customer_shipping_address_city customer_shipping_address_state
        customer_shipping_address_postal_code customer_shipping_address_country customer_address_line1
        customer_address_line2 customer_address_city customer_address_state customer_address_postal_code
        customer_address_country shipping_address_line1 shipping_address_line2 shipping_address_city
        shipping_address_state shipping_address_postal_code shipping_address_country card_address_line1
        card_address_line2 card_address_city card_address_state card_address_postal_code card_address_country
        charge_id payment_intent_id charge_created_utc charge_created invoice_id invoice_number subscription_id
        payment_method_type is_link card_brand card_funding card_country statement_descriptor dispute_reason
        connected_account_id connected_account_name connected_account_country connected_account_direct_charge_id
        payment_metadata[key] refund_metadata[key] transfer_metadata[key]
        """
    ),
}


def _all_columns(report_type: str) -> list[str]:
    documented = [n for n in DOCUMENTED[report_type] if not PLACEHOLDER.fullmatch(n)]
    after = "payout_destination_id" if report_type.startswith("payouts.") else "customer_facing_currency"
    cut = documented.index(after) + 1
    names = [*documented[:cut], *TRACE_COLUMNS, *documented[cut:]]
    if report_type in ("balance_change_from_activity.itemized.3", "payouts.itemized.3"):
        names.append("application_fee")
    return names


def _metadata_fields(report_type: str) -> tuple[str, ...]:
    return tuple(m[1] for n in DOCUMENTED[report_type] if (m := PLACEHOLDER.fullmatch(n)))


# Default columns (issue 12's decisions).
NINE = [
    "balance_transaction_id",
    "created_utc",
    "available_on_utc",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "description",
]  # a real 2020 default download of balance_change_from_activity.itemized.1 (facts §7)
NINE_LOCAL = [
    "balance_transaction_id",
    "created",
    "available_on",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "description",
]
ARRIVAL = ["automatic_payout_id", "automatic_payout_effective_at"]
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
PAYOUTS_DEFAULT_LOCAL = ["effective_at" if n == "effective_at_utc" else n for n in PAYOUTS_DEFAULT]

SUMMARY_COLUMNS = ["category", "description", "net_amount", "currency"]
CATEGORY_SUMMARY_COLUMNS = ["reporting_category", "currency", "count", "gross", "fee", "net"]


@dataclass(frozen=True)
class Itemized:
    rows: str  # activity | payouts | settled_in_interval | settled_by | unsettled_at
    columns: list[str]
    default: list[str]
    metadata: tuple[str, ...] = ()  # the fields whose `FIELD[KEY]` columns the version takes
    timezone: bool = False  # takes `timezone`; without it, bare-named times are in UTC


def _itemized(report_type: str, rows: str, default: list[str], *, timezone: bool) -> Itemized:
    return Itemized(rows, _all_columns(report_type), default, _metadata_fields(report_type), timezone)


ITEMIZED_TYPES: dict[str, Itemized] = {
    ACTIVITY: _itemized(ACTIVITY, "activity", NINE, timezone=False),
    "balance_change_from_activity.itemized.2": _itemized(
        "balance_change_from_activity.itemized.2", "activity", NINE, timezone=False
    ),
    "balance_change_from_activity.itemized.3": _itemized(
        "balance_change_from_activity.itemized.3", "activity", NINE_LOCAL, timezone=True
    ),
    PAYOUTS: _itemized(PAYOUTS, "payouts", PAYOUTS_DEFAULT, timezone=False),
    "payouts.itemized.2": _itemized("payouts.itemized.2", "payouts", PAYOUTS_DEFAULT, timezone=False),
    "payouts.itemized.3": _itemized("payouts.itemized.3", "payouts", PAYOUTS_DEFAULT_LOCAL, timezone=True),
    "payout_reconciliation.itemized.1": _itemized(
        "payout_reconciliation.itemized.1", "settled_in_interval", [*NINE, *ARRIVAL], timezone=False
    ),
    "payout_reconciliation.itemized.2": _itemized(
        "payout_reconciliation.itemized.2", "settled_in_interval", [*NINE, *ARRIVAL], timezone=False
    ),
    "payout_reconciliation.itemized.3": _itemized(
        "payout_reconciliation.itemized.3", "settled_in_interval", [*NINE, *ARRIVAL], timezone=False
    ),
    "payout_reconciliation.itemized.4": _itemized(
        "payout_reconciliation.itemized.4", "settled_in_interval", [*NINE_LOCAL, *ARRIVAL], timezone=True
    ),
    "payout_reconciliation.itemized.5": _itemized(
        "payout_reconciliation.itemized.5", "settled_in_interval", [*ARRIVAL, *NINE_LOCAL], timezone=True
    ),
    "payout_reconciliation.by_id.itemized.1": _itemized(
        "payout_reconciliation.by_id.itemized.1", "settled_by", [*NINE, *ARRIVAL], timezone=False
    ),
    "payout_reconciliation.by_id.itemized.2": _itemized(
        "payout_reconciliation.by_id.itemized.2", "settled_by", [*NINE, *ARRIVAL], timezone=False
    ),
    "payout_reconciliation.by_id.itemized.3": _itemized(
        "payout_reconciliation.by_id.itemized.3", "settled_by", [*NINE, *ARRIVAL], timezone=False
    ),
    "payout_reconciliation.by_id.itemized.4": _itemized(
        "payout_reconciliation.by_id.itemized.4", "settled_by", [*NINE_LOCAL, *ARRIVAL], timezone=True
    ),
    "ending_balance_reconciliation.itemized.1": _itemized(
        "ending_balance_reconciliation.itemized.1", "unsettled_at", NINE, timezone=False
    ),
    "ending_balance_reconciliation.itemized.2": _itemized(
        "ending_balance_reconciliation.itemized.2", "unsettled_at", NINE, timezone=False
    ),
    "ending_balance_reconciliation.itemized.3": _itemized(
        "ending_balance_reconciliation.itemized.3", "unsettled_at", NINE_LOCAL, timezone=True
    ),
    "ending_balance_reconciliation.itemized.4": _itemized(
        "ending_balance_reconciliation.itemized.4", "unsettled_at", NINE_LOCAL, timezone=True
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
