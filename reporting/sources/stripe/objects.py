"""Stripe's balance transaction and payout objects, from the ledger and back.

Our API builds these objects from ledger rows (`balance_transaction`,
`payout_object`), and the sync reads the same objects from Stripe (or from
another instance of this product) into ledger rows (`transaction_fields`,
`payout_fields`). Both directions read `paths.SOURCE_PATHS`, so they cannot
drift apart. Expandable fields are ids unless expanded, as on Stripe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from reporting.models import BalanceTransaction, Payout
from reporting.unixtime import from_unix

from .paths import (
    CARD,
    EXPANDABLE,
    EXPANDED_OBJECTS,
    METADATA,
    SIGNED,
    SOURCE_OBJECTS,
    SOURCE_PATHS,
    TIMES,
    UnmappableObject,
    get,
    object_id,
    prune,
    put,
    source_object,
)

__all__ = ["EXPANDABLE", "SOURCE_PATHS", "UnmappableObject", "balance_transaction", "payout_object"]


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
        if name == SIGNED and value is not None:
            value = abs(value)
        if name in TIMES:
            value = _unix(value) if value is not None else None
        elif name in METADATA:
            value = value or {}
        put(obj, path, value)
    card = get(obj, CARD[kind]) if kind in CARD else None
    # Link pays through a card's wallet; None (not known) leaves the wallet out.
    if isinstance(card, dict) and txn.is_link is not None:
        card["wallet"] = {"type": "link"} if txn.is_link else None
    return prune(obj)


def _collapse(obj: dict[str, Any], expand: set[str], prefix: str = "") -> dict[str, Any]:
    """Replace each expandable object the request did not expand with its id; name those it did."""
    for path in EXPANDABLE:
        value = get(obj, path)
        if isinstance(value, dict):
            if f"{prefix}{path}" in expand:
                put(obj, path, {"id": value.get("id"), "object": EXPANDED_OBJECTS[path], **value})
                _collapse(get(obj, path), expand, f"{prefix}{path}.")
            else:
                put(obj, path, value.get("id"))
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
        "source_id": object_id(source) or "",
    }
    if isinstance(source, dict):
        kind = source.get("object")
        if kind not in SOURCE_OBJECTS:
            raise UnmappableObject(f"{obj['id']}: its source is a {kind!r}, which the ledger does not know")
        paths = SOURCE_PATHS.get(kind, {})
        for name, path in paths.items():
            value = get(source, path)
            if name == SIGNED and value is not None and obj["amount"] < 0:
                value = -abs(value)
            elif name in TIMES and value is not None:
                value = from_unix(value)
            elif name in METADATA:
                value = dict(value) if value else None
            fields[name] = value
        card = get(source, CARD[kind]) if kind in CARD else None
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
        "destination_id": object_id(obj.get("destination")) or "",
        "trace_id": trace.get("value") or "",
        "trace_id_status": trace.get("status") or "",
    }


# Helpers


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())
