"""Write a checked import into the ledger in short transactions; undo a write that stopped half-way.

SQLite has one writer at a time. Written in one transaction, a 50 MB file held
the write lock for tens of seconds and every request that wanted to write waited
or failed. So on SQLite the new rows go in chunks of CHUNK rows, each its own
transaction of a fraction of a second, with a pause after each for the writers
that waited. PostgreSQL writes the whole import in one transaction: its row
locks hold up no request.

All or nothing stays:

- every problem is found before the first write (`checking`);
- the payouts' changes, the data watermark and the event are written last,
  together, in one transaction: until then the import has not happened;
- a write that stops half-way (an error, a full disk) is undone at once from
  the record in the staging file (`undo`); a process killed while writing is
  undone by the next import of its account (or a re-delivery of its task),
  which finds the job's heartbeat stale.

What remains visible on SQLite: while the chunks are written (seconds), a
report whose interval covers the file's dates may see part of them. Rows after
the data watermark (a new month's file) are outside every report until the last
transaction moves the watermark.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from reporting.bulk import insert_rows
from reporting.models import Account, BalanceTransaction, DataWatermark, Door, Event, Payout

from .checking import Plan, chunks
from .parsed import TxnRow
from .result import ImportResult
from .staging import Staging

# Rows per write transaction on SQLite: about 0.1-0.3 s of the write lock each.
CHUNK = 2000
# Seconds between two chunks, so that a request waiting for the lock gets it (SQLite's
# busy handler polls every few ms at first, every 100 ms after a while).
PAUSE = 0.05
BATCH_SIZE = 2000


def chunked_writes() -> bool:
    """Whether writes go in short transactions (SQLite) rather than one (PostgreSQL)."""
    return connection.vendor == "sqlite"


def write(
    plan: Plan,
    staging: Staging,
    result: ImportResult,
    *,
    account: Account,
    livemode: bool,
    door: Door,
    actor: Any,
    filename: str,
    progress: Callable[[int], None],
) -> None:
    """Insert the staged rows and links, then conclude (payouts' changes, watermark, event) in one transaction."""
    chunked = chunked_writes()
    try:
        with nullcontext() if chunked else transaction.atomic():
            pks = _create_payouts(plan, account, livemode)
            written = 0
            for rows in staging.new_rows(CHUNK):
                values = [_fields(txn, payout, pks, account, livemode) for txn, payout in rows]
                with transaction.atomic():
                    insert_rows(BalanceTransaction, values)
                written += len(rows)
                if chunked:
                    # (PostgreSQL: inside the one transaction, a progress write would be seen by no one.)
                    progress(written)
                    time.sleep(PAUSE)
            for links in staging.links(CHUNK):
                with transaction.atomic():
                    for pk, changes in links:
                        BalanceTransaction.objects.filter(pk=pk).update(
                            **{name: pks[ref] for name, ref in changes.items()}
                        )
            with transaction.atomic():
                _conclude(plan, result, account, livemode, door, actor, filename)
    except BaseException:
        if chunked:
            undo(staging, account, livemode)
        raise


def undo(staging: Staging, account: Account, livemode: bool) -> None:
    """Remove what a stopped write put in the ledger, as the staging file recorded it; safe to repeat."""
    ledger = BalanceTransaction.objects.for_mode(account, livemode)
    for ids in staging.new_row_ids(CHUNK):
        for part in chunks(ids):
            with transaction.atomic():
                ledger.filter(stripe_id__in=part).delete()
    for links in staging.links(CHUNK):
        with transaction.atomic():
            for pk, changes in links:
                ledger.filter(pk=pk).update(**dict.fromkeys(changes))
    for part in chunks(staging.new_payouts()):
        with transaction.atomic():
            Payout.objects.for_mode(account, livemode).filter(stripe_id__in=part).delete()


def _create_payouts(plan: Plan, account: Account, livemode: bool) -> dict[str, int]:
    """Create the new payouts; return every payout's pk by Stripe id."""
    with transaction.atomic():
        Payout.objects.bulk_create(plan.new_payouts, batch_size=BATCH_SIZE)
    pks = dict(plan.payout_pks)
    if any(p.pk is None for p in plan.new_payouts):  # a database without RETURNING
        payouts = Payout.objects.for_mode(account, livemode)
        for part in chunks([p.stripe_id for p in plan.new_payouts]):
            pks.update(payouts.filter(stripe_id__in=part).values_list("stripe_id", "pk"))
    else:
        pks.update((p.stripe_id, p.pk) for p in plan.new_payouts)
    return pks


def _conclude(
    plan: Plan, result: ImportResult, account: Account, livemode: bool, door: Door, actor: Any, filename: str
) -> None:
    for pk, changes in plan.payout_updates:
        # Payouts carry state (status, reversal, trace) that later exports update;
        # the ledger's amounts live on the transactions, which never change.
        Payout.objects.filter(pk=pk).update(**changes)
    if result.watermark is not None:
        DataWatermark.advance(account, livemode, result.watermark)
    Event.record(
        Event.Action.LEDGER_IMPORTED,
        door=door,
        account=account,
        livemode=livemode,
        actor=actor,
        file=filename,
        layout=result.layout,
        rows=result.added,
        skipped=result.skipped,
        payouts_created=result.payouts_created,
        payouts_updated=result.payouts_updated,
        links_added=result.links_added,
        cell_format=result.cell_format,
    )


def watermark(plan: Plan, account: Account, livemode: bool) -> Any:
    """The time the import moves the data watermark to, or None: the file's latest, never past now nor back."""
    if plan.latest is None:
        return None
    latest = min(plan.latest, timezone.now())
    current = DataWatermark.current(account, livemode)
    return latest if current is None or latest > current else None


def _fields(txn: TxnRow, payout: str | None, pks: dict[str, int], account: Account, livemode: bool) -> dict[str, Any]:
    """The ledger row's column values (attnames); columns left out take their default."""
    assert txn.effective_at is not None
    return {
        "account_id": account.pk,
        "livemode": livemode,
        "stripe_id": txn.stripe_id,
        "type": txn.type,
        "reporting_category": txn.reporting_category,
        "amount": txn.amount,
        "fee": txn.fee,
        "net": txn.net,
        "currency": txn.currency,
        "created": txn.created,
        "available_on": txn.available_on,
        "effective_at": txn.effective_at,
        "source_id": txn.source_id,
        "payout_id": pks[payout] if payout else None,
        "automatic_payout_id": pks[txn.automatic_payout] if txn.automatic_payout else None,
        **txn.details,
    }
