"""Every column the balance-transaction reports can write: its name, and what it reads from the ledger.

The itemized balance change, payout reconciliation and ending-balance
reconciliation types share these; each version picks the ones Stripe documents
for it (documented.py). A bare-named time is in the run's timezone, its `_utc`
twin in UTC; a version without a `timezone` parameter runs in UTC, so there the
bare name is UTC too, as Stripe documents it.
"""

from __future__ import annotations

from reporting.models.ledger import SOURCE_TEXT_FIELDS

from .base import Column
from .formats import blank_as_null, boolean, money, text, timestamp

# Columns with a local-time twin, and the ledger field they read.
TWINS = {
    "created": "created",
    "available_on": "available_on",
    "automatic_payout_effective_at": "automatic_payout__effective_at",
    "charge_created": "charge_created",
}
TRANSACTION_COLUMNS: dict[str, Column] = {
    c.name: c
    for c in (
        Column("balance_transaction_id", text("stripe_id")),
        *(Column(f"{name}_utc", timestamp(field)) for name, field in TWINS.items()),
        *(Column(name, timestamp(field, local=True)) for name, field in TWINS.items()),
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
        *(Column(name, text(name)) for name in SOURCE_TEXT_FIELDS),
        Column("is_link", boolean("is_link")),
        Column("application_fee", money("application_fee")),
    )
}
