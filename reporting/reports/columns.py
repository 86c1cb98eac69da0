"""Every column the itemized reports can write, declared once, in Stripe's order.

The balance-transaction columns are shared by the itemized balance change,
payout reconciliation and ending-balance reconciliation types; each version
of a type takes a subset (see `transaction_columns`). The order is that of a
real all-columns export (report-types.md §2.3), so any subset keeps it.
"""

from __future__ import annotations

from collections.abc import Collection

from reporting.models.ledger import ADDRESS_FIELDS

from .base import Column
from .formats import blank_as_null, boolean, money, text, timestamp

# Columns with a local-time twin: the `_utc` one is UTC, the bare name is in the run's timezone.
TWINS = {
    "created": "created",
    "available_on": "available_on",
    "automatic_payout_effective_at": "automatic_payout__effective_at",
    "charge_created": "charge_created",
}


def _timestamp_pair(column: str) -> tuple[Column, Column]:
    field = TWINS[column]
    return Column(f"{column}_utc", timestamp(field)), Column(column, timestamp(field, local=True))


_created_utc, _created = _timestamp_pair("created")
_available_on_utc, _available_on = _timestamp_pair("available_on")
_payout_at_utc, _payout_at = _timestamp_pair("automatic_payout_effective_at")
_charge_created_utc, _charge_created = _timestamp_pair("charge_created")

# Every balance-transaction column, in the order of a real all-columns export.
TRANSACTION_COLUMNS: tuple[Column, ...] = (
    Column("balance_transaction_id", text("stripe_id")),
    _created_utc,
    _created,
    _available_on_utc,
    _available_on,
    Column("currency", text("currency")),
    Column("gross", money("amount")),
    Column("fee", money("fee")),
    Column("net", money("net")),
    Column("reporting_category", text("reporting_category")),
    Column("source_id", blank_as_null("source_id")),
    Column("description", text("description")),
    Column("customer_facing_amount", money("customer_facing_amount", currency_field="customer_facing_currency")),
    Column("customer_facing_currency", text("customer_facing_currency")),
    Column("trace_id", blank_as_null("automatic_payout__trace_id")),
    Column("trace_id_status", blank_as_null("automatic_payout__trace_id_status")),
    Column("automatic_payout_id", text("automatic_payout__stripe_id")),
    _payout_at_utc,
    _payout_at,
    Column("customer_id", text("customer_id")),
    Column("customer_email", text("customer_email")),
    Column("customer_name", text("customer_name")),
    Column("customer_description", text("customer_description")),
    *(Column(name, text(name)) for name in ADDRESS_FIELDS),
    Column("charge_id", text("charge_id")),
    Column("payment_intent_id", text("payment_intent_id")),
    _charge_created_utc,
    _charge_created,
    Column("invoice_id", text("invoice_id")),
    Column("invoice_number", text("invoice_number")),
    Column("subscription_id", text("subscription_id")),
    Column("payment_method_type", text("payment_method_type")),
    Column("is_link", boolean("is_link")),
    Column("card_brand", text("card_brand")),
    Column("card_funding", text("card_funding")),
    Column("card_country", text("card_country")),
    Column("statement_descriptor", text("statement_descriptor")),
    Column("dispute_reason", text("dispute_reason")),
    Column("connected_account_id", text("connected_account_id")),
    Column("connected_account_name", text("connected_account_name")),
    Column("connected_account_country", text("connected_account_country")),
    Column("connected_account_direct_charge_id", text("connected_account_direct_charge_id")),
    Column("application_fee", money("application_fee")),
    Column("regulatory_tag", text("regulatory_tag")),
)

# The first versions' columns: the ones a book-keeper reconciles with, UTC only.
BASIC = (
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
)
LOCAL_TWINS = frozenset(TWINS)
# The settling payout's bank trace id and its status.
TRACE = ("trace_id", "trace_id_status")
# Columns that only a platform or a Brazilian account fills.
RARE = ("application_fee", "regulatory_tag", "connected_account_direct_charge_id")
# Stripe's nine default columns of the itemized balance change (no source_id).
ACTIVITY_DEFAULTS = [
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


def transaction_columns(
    *, basic: bool = False, trace: bool = True, local_times: bool = False, rare: bool = True
) -> tuple[Column, ...]:
    """Return the balance-transaction columns of one version, in the order of an all-columns export.

    `basic` keeps only BASIC; the others say whether TRACE, the local twins and RARE are in.
    """
    return tuple(
        c
        for c in TRANSACTION_COLUMNS
        if (not basic or c.name in BASIC)
        and (trace or c.name not in TRACE)
        and (local_times or c.name not in LOCAL_TWINS)
        and (rare or c.name not in RARE)
    )


def defaults(names: list[str], *, local_times: bool, twins: Collection[str] = LOCAL_TWINS) -> list[str]:
    """Name default columns by their local twin (`created`) in timezone-aware versions, else by the `_utc` one."""
    return [n if local_times or n not in twins else f"{n}_utc" for n in names]
