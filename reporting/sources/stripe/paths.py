"""Where each ledger field lives in Stripe's objects: the one table that both directions read.

`objects` builds Stripe's objects from ledger rows with it (our API) and reads
them back into ledger rows (the sync), so what one instance serves another reads
back field for field. Paths follow Stripe's objects: a charge's `customer`,
`billing_details`, `shipping`, `payment_method_details.card`, `invoice`; a
refund's or a dispute's charge under `charge`; a transfer's `destination` account.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reporting.models.ledger import ADDRESS_PARTS


def _address(prefix: str, path: str) -> dict[str, str]:
    return {f"{prefix}_{part}": f"{path}.{part}" for part in ADDRESS_PARTS}


# Where a charge keeps what the itemized reports print about a payment.
_CHARGE = {
    "charge_id": "id",
    "charge_created": "created",
    "customer_id": "customer.id",
    "customer_email": "customer.email",
    "customer_name": "customer.name",
    "customer_description": "customer.description",
    **_address("customer_shipping_address", "customer.shipping.address"),
    **_address("customer_address", "customer.address"),
    **_address("shipping_address", "shipping.address"),
    **_address("card_address", "billing_details.address"),
    "payment_intent_id": "payment_intent.id",
    "invoice_id": "invoice.id",
    "invoice_number": "invoice.number",
    "subscription_id": "invoice.subscription",
    "order_id": "order",
    "payment_method_type": "payment_method_details.type",
    "card_brand": "payment_method_details.card.brand",
    "card_funding": "payment_method_details.card.funding",
    "card_country": "payment_method_details.card.country",
    "statement_descriptor": "calculated_statement_descriptor",
    "application_fee": "application_fee_amount",
    "payment_metadata": "metadata",
}
_PRESENTMENT = {"customer_facing_amount": "amount", "customer_facing_currency": "currency"}
# Stripe's charge, refund and dispute amounts are positive; the reports' customer_facing_amount
# takes the sign of the balance transaction (negative for a refund or a dispute's withdrawal).
SIGNED = "customer_facing_amount"


def _account(path: str) -> dict[str, str]:
    return {
        "connected_account_id": f"{path}.id",
        "connected_account_name": f"{path}.business_profile.name",
        "connected_account_country": f"{path}.country",
    }


# Ledger field -> path in the source object, by the source's `object`. Sources not
# listed carry nothing but their id; an `object` in neither is refused by the sync.
SOURCE_PATHS: dict[str, dict[str, str]] = {
    "charge": {**_CHARGE, **_PRESENTMENT, **_account("transfer_data.destination")},
    "refund": {
        **_PRESENTMENT,
        "refund_metadata": "metadata",
        **{name: f"charge.{path}" for name, path in _CHARGE.items()},
    },
    "dispute": {
        **_PRESENTMENT,
        "dispute_reason": "reason",
        **{name: f"charge.{path}" for name, path in _CHARGE.items()},
    },
    "transfer": {
        "transfer_metadata": "metadata",
        "destination_payment_id": "destination_payment",
        **_account("destination"),
    },
    "application_fee": {"connected_account_direct_charge_id": "originating_transaction", **_account("account")},
    "payout": {},
}
SOURCE_OBJECTS = frozenset(
    {
        *SOURCE_PATHS,
        "connect_collection_transfer",
        "customer_cash_balance_transaction",
        "fee_refund",
        "issuing.authorization",
        "issuing.dispute",
        "issuing.transaction",
        "reserve_transaction",
        "tax_deducted_at_source",
        "topup",
        "transfer_reversal",
    }
)
# The source's `object`, by its id's prefix, for the ledger's sources (which keep only the id).
_PREFIXES = {
    "ch_": "charge",
    "py_": "charge",
    "re_": "refund",
    "pyr_": "refund",
    "du_": "dispute",
    "dp_": "dispute",
    "tr_": "transfer",
    "po_": "payout",
    "fee_": "application_fee",
    "fr_": "fee_refund",
    "tu_": "topup",
    "trr_": "transfer_reversal",
}
# Fields that hold an id unless the request expands them (by path from the source), and the
# `object` each is once expanded (Stripe's clients choose the class they build by it).
EXPANDED_OBJECTS = {
    "customer": "customer",
    "payment_intent": "payment_intent",
    "invoice": "invoice",
    "charge": "charge",
    "destination": "account",
    "account": "account",
    "transfer_data.destination": "account",
}
EXPANDABLE = tuple(EXPANDED_OBJECTS)
CARD = {
    "charge": "payment_method_details.card",
    "refund": "charge.payment_method_details.card",
    "dispute": "charge.payment_method_details.card",
}
TIMES = frozenset({"charge_created"})
METADATA = frozenset({"payment_metadata", "refund_metadata", "transfer_metadata"})


class UnmappableObject(ValueError):
    """An upstream object the ledger has no place for (its message says which and why)."""


def source_object(source_id: str) -> str | None:
    return next((kind for prefix, kind in _PREFIXES.items() if source_id.startswith(prefix)), None)


def object_id(value: Any) -> str | None:
    """The id of an expandable field, expanded (an object) or not (its id)."""
    return value.get("id") if isinstance(value, Mapping) else value


def get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(part)
    return obj


def put(obj: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        obj = obj.setdefault(part, {})
    obj[last] = value


def prune(obj: dict[str, Any]) -> dict[str, Any]:
    """Turn each nested object whose every value is null (no customer, no address) into null."""
    for key, value in obj.items():
        if isinstance(value, dict) and key != "metadata":
            pruned = prune(value)
            obj[key] = None if all(v is None for v in pruned.values()) else pruned
    return obj
