"""The sync's writes: each step's rows and its progress on the source in one transaction.

Every step is all or nothing and says how far it got in the same transaction
as its rows, so a sync killed anywhere resumes where the last step ended and
never writes a row twice. The data watermark, which decides what reports may
read, moves only in the last step (`conclude`), after every step of the sync.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from reporting.bulk import insert_rows
from reporting.categories import REPORTING_CATEGORIES
from reporting.models import BalanceTransaction, DataWatermark, Door, Event, Payout, StripeSource

from . import objects

# Payout fields that change after a payout is created; the rest never do.
_PAYOUT_CHANGES = ("status", "reversed_at", "trace_id", "trace_id_status", "description", "destination_id")
_CHUNK = 500


@dataclass
class Tally:
    """What one sync did, for the event log and the source's status."""

    rows: int = 0
    payouts_created: int = 0
    payout_changes: list[dict[str, Any]] = field(default_factory=list)
    links: int = 0


def write_window(
    source: StripeSource, txns: list[Mapping[str, Any]], payouts: Mapping[str, Mapping[str, Any]], end: datetime
) -> int:
    """Add a window's new transactions (oldest first) and any payouts they move; the cursor moves to `end`."""
    rows = [objects.transaction_fields(txn) for txn in txns]
    for row in rows:
        if row["reporting_category"] not in REPORTING_CATEGORIES:
            raise objects.UnmappableObject(
                f"{row['stripe_id']}: reporting_category {row['reporting_category']!r} is not one Stripe documents"
            )
    # Oldest first, as every other source writes: reports break ties in time by insertion order.
    rows.sort(key=lambda r: (r["created"], r["stripe_id"]))
    ledger = BalanceTransaction.objects.for_mode(source.account_id, source.livemode)
    with transaction.atomic():
        pks = ensure_payouts(source, payouts.values())
        seen: set[str] = set()
        for part in _chunks([r["stripe_id"] for r in rows]):
            seen.update(ledger.filter(stripe_id__in=part).values_list("stripe_id", flat=True))
        new = [_ledger_row(source, row, pks, payouts) for row in rows if row["stripe_id"] not in seen]
        for part in _chunks(new):
            insert_rows(BalanceTransaction, part)
        StripeSource.objects.filter(pk=source.pk).update(
            synced_through=end, rows_pulled=F("rows_pulled") + len(new), sync_heartbeat=timezone.now()
        )
    return len(new)


def ensure_payouts(source: StripeSource, payouts: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Create the payouts the ledger lacks; return the pk of each by Stripe id."""
    wanted = {p["id"]: p for p in payouts}
    mine = Payout.objects.for_mode(source.account_id, source.livemode)
    pks = dict(mine.filter(stripe_id__in=list(wanted)).values_list("stripe_id", "pk"))
    for stripe_id, obj in wanted.items():
        if stripe_id not in pks:
            payout = Payout.objects.create(
                account_id=source.account_id, livemode=source.livemode, **objects.payout_fields(obj)
            )
            pks[stripe_id] = payout.pk
    return pks


def update_payout(source: StripeSource, obj: Mapping[str, Any], tally: Tally) -> None:
    """Create a payout the ledger lacks, or record what changed on one it has, with an event saying what."""
    fields = objects.payout_fields(obj)
    mine = Payout.objects.for_mode(source.account_id, source.livemode)
    with transaction.atomic():
        current = mine.select_for_update().filter(stripe_id=fields["stripe_id"]).first()
        if current is None:
            Payout.objects.create(account_id=source.account_id, livemode=source.livemode, **fields)
            tally.payouts_created += 1
            return
        changes = {
            name: [_plain(getattr(current, name)), _plain(fields[name])]
            for name in _PAYOUT_CHANGES
            if getattr(current, name) != fields[name]
        }
        if not changes:
            return
        # Payouts carry state that changes upstream; the amounts live on the transactions, which never change.
        mine.filter(pk=current.pk).update(**{name: fields[name] for name in changes})
        _event(source, Event.Action.PAYOUT_UPDATED, current.stripe_id, changes=changes)
    tally.payout_changes.append({"payout": current.stripe_id, **changes})


def link_settled(source: StripeSource, payout: Payout, txn_ids: list[str]) -> int:
    """Mark the transactions an automatic payout settled; the link cursor moves to its arrival."""
    ledger = BalanceTransaction.objects.for_mode(source.account_id, source.livemode)
    linked = 0
    with transaction.atomic():
        for part in _chunks(txn_ids):
            linked += ledger.filter(stripe_id__in=part).exclude(automatic_payout=payout).update(automatic_payout=payout)
        StripeSource.objects.filter(pk=source.pk).update(
            links_through=payout.arrival_date, sync_heartbeat=timezone.now()
        )
    return linked


def conclude(source: StripeSource, tally: Tally) -> None:
    """Move the data watermark to what the sync completed, and say what it did."""
    source.refresh_from_db()
    now = timezone.now()
    with transaction.atomic():
        if source.synced_through is not None:
            DataWatermark.advance(source.account, source.livemode, source.synced_through)
        StripeSource.objects.filter(pk=source.pk).update(
            last_success_at=now, last_error="", last_rows_pulled=tally.rows, sync_heartbeat=None
        )
        _event(
            source,
            Event.Action.LEDGER_SYNCED,
            source.account_id,
            rows=tally.rows,
            payouts_created=tally.payouts_created,
            payouts_updated=len(tally.payout_changes),
            links_added=tally.links,
            synced_through=_plain(source.synced_through),
        )


def fail(source: StripeSource, message: str) -> None:
    StripeSource.objects.filter(pk=source.pk).update(last_error=message, sync_heartbeat=None)


def _ledger_row(
    source: StripeSource, row: dict[str, Any], pks: Mapping[str, int], payouts: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    payout = payouts.get(row["source_id"])
    effective_at = row["created"]
    if payout is not None and row["type"] == "payout":
        # An automatic payout leaves the balance when it arrives (objects.payout_fields).
        effective_at = objects.payout_fields(payout)["effective_at"]
    return {
        **row,
        "account_id": source.account_id,
        "livemode": source.livemode,
        "effective_at": effective_at,
        "payout_id": pks[row["source_id"]] if payout is not None else None,
    }


def _event(source: StripeSource, action: Event.Action, object_id: str, **data: Any) -> None:
    Event.record(
        action, door=Door.SYSTEM, account=source.account, livemode=source.livemode, object_id=object_id, **data
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]
