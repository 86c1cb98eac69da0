"""Stripe's balance transaction and payout objects, from the ledger and back: one table for both directions.

Our API builds these objects from ledger rows (`balance_transaction`, `payout`),
and the sync reads the same objects from Stripe (or from another instance of
this product) into ledger rows (`transaction_fields`, `payout_fields`). Both
directions read `SOURCE_PATHS`, the one statement of where each ledger field
lives in a transaction's source object, so what one instance serves another
reads back field for field.

Paths follow Stripe's objects: a charge's `customer`, `billing_details`,
`shipping`, `payment_method_details.card`, `invoice`; a refund's or a dispute's
details of the charge they concern under `charge`; a transfer's `destination`
account. Expandable fields (`EXPANDABLE`) are ids unless expanded, as on Stripe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from reporting.models import BalanceTransaction, Payout
from reporting.models.ledger import ADDRESS_PARTS
from reporting.unixtime import from_unix


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
_CARD = {
    "charge": "payment_method_details.card",
    "refund": "charge.payment_method_details.card",
    "dispute": "charge.payment_method_details.card",
}
_TIMES = frozenset({"charge_created"})
_METADATA = frozenset({"payment_metadata", "refund_metadata", "transfer_metadata"})


class UnmappableObject(ValueError):
    """An upstream object the ledger has no place for (its message says which and why)."""


def source_object(source_id: str) -> str | None:
    return next((kind for prefix, kind in _PREFIXES.items() if source_id.startswith(prefix)), None)


# Ledger -> Stripe


def balance_transaction(
    txn: BalanceTransaction,
    *,
    expand: Iterable[str] = (),
    payout: Payout | None = None,
    failure: BalanceTransaction | None = None,
) -> dict[str, Any]:
    """The balance_transaction object of a ledger row; `expand` holds paths from it ("source", "source.charge").

    `payout` is the payout the row's source names, if any, and `failure` that payout's
    payout_failure transaction: an expanded payout source shows it as the payout itself does.
    """
    expand = set(expand)
    source: Any = txn.source_id or None
    if source and "source" in expand:
        if payout is not None and txn.source_id == payout.stripe_id:
            source = payout_object(payout, failure=failure)
        elif (kind := source_object(txn.source_id)) is not None and kind != "payout":
            source = _collapse(_source(txn, kind), {p.removeprefix("source.") for p in expand})
    return {
        "id": txn.stripe_id,
        "object": "balance_transaction",
        "amount": txn.amount,
        "available_on": _unix(txn.available_on),
        "created": _unix(txn.created),
        "currency": txn.currency,
        "description": txn.description,
        "exchange_rate": None,
        "fee": txn.fee,
        "fee_details": [],
        "net": txn.net,
        "reporting_category": txn.reporting_category,
        "source": source,
        "status": "available" if txn.available_on <= timezone.now() else "pending",
        "type": txn.type,
    }


def payout_object(
    payout: Payout, *, failure: BalanceTransaction | None = None, expand: Iterable[str] = ()
) -> dict[str, Any]:
    """The payout object of a ledger payout; `failure` is its payout_failure transaction, if any."""
    failure_object: Any = None
    if failure is not None:
        failure_object = balance_transaction(failure) if "failure_balance_transaction" in expand else failure.stripe_id
    return {
        "id": payout.stripe_id,
        "object": "payout",
        "amount": payout.amount,
        "arrival_date": _unix(payout.arrival_date),
        "automatic": payout.automatic,
        "created": _unix(payout.created),
        "currency": payout.currency,
        "description": payout.description,
        "destination": payout.destination_id or None,
        "failure_balance_transaction": failure_object,
        "livemode": payout.livemode,
        "metadata": {},
        "method": "standard",
        "source_type": "card",
        "statement_descriptor": None,
        "status": payout.status,
        "trace_id": {"status": payout.trace_id_status or None, "value": payout.trace_id or None},
        "type": payout.type,
    }


def _source(txn: BalanceTransaction, kind: str) -> dict[str, Any]:
    obj: dict[str, Any] = {"id": txn.source_id, "object": kind}
    paths = SOURCE_PATHS.get(kind, {})
    for name, path in paths.items():
        value = getattr(txn, name)
        if path == "id" and value is None:
            continue  # a charge whose charge_id the ledger lacks: its id is still the source's
        if name in _TIMES:
            value = _unix(value) if value is not None else None
        elif name in _METADATA:
            value = value or {}
        _put(obj, path, value)
    card = _get(obj, _CARD[kind]) if kind in _CARD else None
    # Link pays through a card's wallet; None (not known) leaves the wallet out.
    if isinstance(card, dict) and txn.is_link is not None:
        card["wallet"] = {"type": "link"} if txn.is_link else None
    return _prune(obj)


def _collapse(obj: dict[str, Any], expand: set[str], prefix: str = "") -> dict[str, Any]:
    """Replace each expandable object the request did not expand with its id; name those it did."""
    for path in EXPANDABLE:
        value = _get(obj, path)
        if isinstance(value, dict):
            if f"{prefix}{path}" in expand:
                _put(obj, path, {"id": value.get("id"), "object": EXPANDED_OBJECTS[path], **value})
                _collapse(_get(obj, path), expand, f"{prefix}{path}.")
            else:
                _put(obj, path, value.get("id"))
    return obj


# Stripe -> ledger


def transaction_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The ledger fields of a balance_transaction object (its source expanded, or an id)."""
    source = obj.get("source")
    fields: dict[str, Any] = {
        "stripe_id": obj["id"],
        "type": obj["type"],
        "reporting_category": obj["reporting_category"],
        "amount": obj["amount"],
        "fee": obj["fee"],
        "net": obj["net"],
        "currency": obj["currency"],
        "created": from_unix(obj["created"]),
        "available_on": from_unix(obj["available_on"]),
        "description": obj.get("description"),
        "source_id": (source.get("id") if isinstance(source, dict) else source) or "",
    }
    if isinstance(source, dict):
        kind = source.get("object")
        if kind not in SOURCE_OBJECTS:
            raise UnmappableObject(f"{obj['id']}: its source is a {kind!r}, which the ledger does not know")
        paths = SOURCE_PATHS.get(kind, {})
        for name, path in paths.items():
            value = _get(source, path)
            if name in _TIMES and value is not None:
                value = from_unix(value)
            elif name in _METADATA:
                value = dict(value) if value else None
            fields[name] = value
        card = _get(source, _CARD[kind]) if kind in _CARD else None
        if isinstance(card, dict) and "wallet" in card:
            fields["is_link"] = (card["wallet"] or {}).get("type") == "link"
    return fields


def payout_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The ledger fields of a payout object (reversed_at when its failure transaction is expanded)."""
    arrival, created = from_unix(obj["arrival_date"]), from_unix(obj["created"])
    failure = obj.get("failure_balance_transaction")
    trace = obj.get("trace_id") or {}
    return {
        "stripe_id": obj["id"],
        "amount": obj["amount"],
        "currency": obj["currency"],
        "status": obj["status"],
        "automatic": obj["automatic"],
        "type": obj.get("type") or "bank_account",
        "created": created,
        "arrival_date": arrival,
        # Funds leave the balance on arrival for automatic payouts, on creation otherwise.
        "effective_at": arrival if obj["automatic"] else created,
        "reversed_at": from_unix(failure["created"]) if isinstance(failure, dict) else None,
        "description": obj.get("description") or "",
        "destination_id": _id(obj.get("destination")) or "",
        "trace_id": trace.get("value") or "",
        "trace_id_status": trace.get("status") or "",
    }


# Helpers


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _id(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else value


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(part)
    return obj


def _put(obj: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        obj = obj.setdefault(part, {})
    obj[last] = value


def _prune(obj: dict[str, Any]) -> dict[str, Any]:
    """Turn each nested object whose every value is null (no customer, no address) into null."""
    for key, value in obj.items():
        if isinstance(value, dict) and key != "metadata":
            pruned = _prune(value)
            obj[key] = None if all(v is None for v in pruned.values()) else pruned
    return obj
