"""Stripe's documented columns of every report type version, in the order its pages list them.

Copied from Stripe's report-type pages (../shared/stripe/columns-by-version.md: the 2024
page order; the payout-reconciliation page's order is reconstructed there, §0.3). A
`*_metadata[key]` entry says that the version's `columns` may name metadata keys of
that object; it is not a column of its own. What the pages leave out is added by
`columns()` below, each addition with its source.
"""

from __future__ import annotations

import re

_DOCUMENTED = """
balance.summary.1:
    category description net_amount currency

balance_change_from_activity.summary.1:
    reporting_category currency count gross fee net

balance_change_from_activity.itemized.1:
    balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
    description customer_facing_amount customer_facing_currency automatic_payout_id
    automatic_payout_effective_at customer_id customer_email customer_name customer_description
    shipping_address_line1 shipping_address_line2 shipping_address_city shipping_address_state
    shipping_address_postal_code shipping_address_country charge_id payment_intent_id charge_created_utc
    invoice_id subscription_id payment_method_type is_link card_brand card_funding card_country
    statement_descriptor

balance_change_from_activity.itemized.2:
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

balance_change_from_activity.itemized.3:
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

payouts.summary.1:
    reporting_category currency count gross fee net

payouts.itemized.1:
    payout_id effective_at_utc currency gross fee net reporting_category balance_transaction_id description
    payout_expected_arrival_date payout_status payout_reversed_at payout_type payout_description
    payout_destination_id

payouts.itemized.2:
    payout_id effective_at_utc currency gross fee net reporting_category balance_transaction_id description
    payout_expected_arrival_date payout_status payout_reversed_at payout_type payout_description
    payout_destination_id regulatory_tag

payouts.itemized.3:
    payout_id effective_at_utc effective_at currency gross fee net reporting_category balance_transaction_id
    description payout_expected_arrival_date payout_status payout_reversed_at_utc payout_reversed_at payout_type
    payout_description payout_destination_id regulatory_tag

payout_reconciliation.summary.1:
    reporting_category currency count gross fee net

payout_reconciliation.itemized.1:
    balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
    description customer_facing_amount customer_facing_currency automatic_payout_id
    automatic_payout_effective_at customer_id customer_email customer_description charge_id charge_created_utc
    invoice_id subscription_id is_link card_brand card_funding card_country destination_payment_id

payout_reconciliation.itemized.2:
    balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
    description customer_facing_amount customer_facing_currency automatic_payout_id
    automatic_payout_effective_at customer_id customer_email customer_description charge_id charge_created_utc
    invoice_id subscription_id is_link card_brand card_funding card_country destination_payment_id
    payment_metadata[key] refund_metadata[key] transfer_metadata[key]

payout_reconciliation.itemized.3:
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

payout_reconciliation.itemized.4:
    balance_transaction_id created_utc created available_on_utc available_on currency gross fee net
    reporting_category source_id description customer_facing_amount customer_facing_currency automatic_payout_id
    automatic_payout_effective_at_utc automatic_payout_effective_at customer_id customer_email customer_name
    customer_description shipping_address_line1 shipping_address_line2 shipping_address_city
    shipping_address_state shipping_address_postal_code shipping_address_country charge_id payment_intent_id
    charge_created_utc charge_created invoice_id subscription_id payment_method_type is_link card_brand
    card_funding card_country statement_descriptor connected_account_id connected_account_name
    connected_account_country destination_payment_id payment_metadata[key] refund_metadata[key]
    transfer_metadata[key]

payout_reconciliation.itemized.5:
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

payout_reconciliation.by_id.summary.1:
    reporting_category currency count gross fee net

payout_reconciliation.by_id.itemized.1:
    balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
    description customer_facing_amount customer_facing_currency automatic_payout_id
    automatic_payout_effective_at customer_id customer_email customer_description charge_id charge_created_utc
    invoice_id subscription_id is_link card_brand card_funding card_country destination_payment_id

payout_reconciliation.by_id.itemized.2:
    balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
    description customer_facing_amount customer_facing_currency automatic_payout_id
    automatic_payout_effective_at customer_id customer_email customer_description charge_id charge_created_utc
    invoice_id subscription_id is_link card_brand card_funding card_country destination_payment_id
    payment_metadata[key] refund_metadata[key] transfer_metadata[key]

payout_reconciliation.by_id.itemized.3:
    balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
    description customer_facing_amount customer_facing_currency regulatory_tag automatic_payout_id
    automatic_payout_effective_at customer_id customer_email customer_name customer_description
    shipping_address_line1 shipping_address_line2 shipping_address_city shipping_address_state
    shipping_address_postal_code shipping_address_country charge_id payment_intent_id charge_created_utc
    invoice_id subscription_id payment_method_type is_link card_brand card_funding card_country
    statement_descriptor dispute_reason connected_account_id connected_account_name connected_account_country
    connected_account_direct_charge_id destination_payment_id

payout_reconciliation.by_id.itemized.4:
    balance_transaction_id created_utc created available_on_utc available_on currency gross fee net
    reporting_category source_id description customer_facing_amount customer_facing_currency regulatory_tag
    automatic_payout_id automatic_payout_effective_at_utc automatic_payout_effective_at customer_id
    customer_email customer_name customer_description shipping_address_line1 shipping_address_line2
    shipping_address_city shipping_address_state shipping_address_postal_code shipping_address_country charge_id
    payment_intent_id charge_created_utc charge_created invoice_id subscription_id payment_method_type is_link
    card_brand card_funding card_country statement_descriptor dispute_reason connected_account_id
    connected_account_name connected_account_country connected_account_direct_charge_id destination_payment_id
    payment_metadata[key] refund_metadata[key] transfer_metadata[key]

ending_balance_reconciliation.summary.1:
    reporting_category currency count gross fee net

ending_balance_reconciliation.itemized.1:
    balance_transaction_id created_utc available_on_utc currency gross fee net reporting_category source_id
    description customer_facing_amount customer_facing_currency automatic_payout_id
    automatic_payout_effective_at customer_id customer_email customer_description shipping_address_line1
    shipping_address_line2 shipping_address_city shipping_address_state shipping_address_postal_code
    shipping_address_country charge_id charge_created_utc invoice_id subscription_id is_link card_brand
    card_funding card_country

ending_balance_reconciliation.itemized.2:
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

ending_balance_reconciliation.itemized.3:
    balance_transaction_id created_utc created available_on_utc available_on currency gross fee net
    reporting_category source_id description customer_facing_amount customer_facing_currency automatic_payout_id
    automatic_payout_effective_at_utc automatic_payout_effective_at customer_id customer_email customer_name
    customer_description shipping_address_line1 shipping_address_line2 shipping_address_city
    shipping_address_state shipping_address_postal_code shipping_address_country charge_id payment_intent_id
    charge_created_utc charge_created invoice_id subscription_id payment_method_type is_link card_brand
    card_funding card_country statement_descriptor connected_account_id connected_account_name
    connected_account_country

ending_balance_reconciliation.itemized.4:
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
# type id -> its documented entries, in the pages' order.
DOCUMENTED: dict[str, tuple[str, ...]] = {
    type_id: tuple(names.split())
    for type_id, names in re.findall(r"^([a-z_.0-9]+):\n((?:    .*\n)+)", _DOCUMENTED, re.MULTILINE)
}

TRACE = ("trace_id", "trace_id_status")
# The pages list the payout's bank trace only in their newer, alphabetical copy; real
# 2024-25 downloads (report-types.md §2.3, §2.4) carry it right after one of these.
_TRACE_AFTER = ("customer_facing_currency", "payout_destination_id")
# Columns that real all-column downloads carry at their end and the pages omit (§7).
_DOWNLOADED = {
    "balance_change_from_activity.itemized.3": ("application_fee",),
    "payouts.itemized.3": ("application_fee",),
}
_METADATA = re.compile(r"(\w+_metadata)\[key\]")


def all_columns(type_id: str) -> tuple[str, ...]:
    """Every column the version writes, in the order "all columns" means: the pages', plus the additions."""
    names: list[str] = []
    for name in DOCUMENTED[type_id]:
        if _METADATA.fullmatch(name):
            continue
        names.append(name)
        if name in _TRACE_AFTER and "itemized" in type_id:
            names.extend(TRACE)
    return (*names, *_DOWNLOADED.get(type_id, ()))


def metadata_fields(type_id: str) -> tuple[str, ...]:
    """The objects whose metadata keys the version's `columns` may name (`payment_metadata`, ...)."""
    return tuple(m[1] for name in DOCUMENTED[type_id] if (m := _METADATA.fullmatch(name)))


# Default columns. Known from real default downloads: the nine of the itemized
# balance change (`.1`, 2020) and the eleven of the itemized payouts (2025). The
# reconciliation types' are chosen: the nine, plus the settling payout's id and arrival.
NINE = (
    "balance_transaction_id",
    "created",
    "available_on",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "description",
)
ELEVEN = (
    "payout_id",
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
)
SETTLED = ("automatic_payout_id", "automatic_payout_effective_at", *NINE)


def default_columns(type_id: str, chosen: tuple[str, ...]) -> list[str]:
    """Name the `chosen` columns as the version does (`created_utc` where it has no `created`), in its order."""
    names = all_columns(type_id)
    named = {name if name in names else f"{name}_utc" for name in chosen}
    assert named <= set(names), f"{type_id} has no column {sorted(named - set(names))}"
    return [name for name in names if name in named]
