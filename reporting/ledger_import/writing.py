"""Write a parsed file into the ledger, all or nothing; `import_ledger()` is the whole import."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from reporting.models import Account, BalanceTransaction, CellFormat, DataWatermark, Door, Event, Payout

from .layouts import IDENTIFIERS, PAYOUTS
from .parsed import ParsedFile, TxnRow
from .parsing import parse
from .planning import plan_payouts, plan_txns
from .problems import Problems
from .result import ImportResult

BATCH_SIZE = 2000
# Stripe ids per `IN (...)` lookup.
LOOKUP_CHUNK = 500

_T = TypeVar("_T")


def _chunks(items: Sequence[_T], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@transaction.atomic
def write(parsed: ParsedFile, *, account: Account, livemode: bool) -> ImportResult:
    """Check the rows against the ledger, then insert them; all or nothing (one transaction)."""
    problems = Problems()
    result = ImportResult(parsed.layout, rows=len(parsed.txns), notes=list(parsed.notes))
    result.ignored_columns = list(parsed.ignored_columns)
    sign = -1 if parsed.layout == PAYOUTS else 1
    # No ordering: SQLite would pick the index that gives it over the one that finds the ids.
    ledger = BalanceTransaction.objects.for_mode(account, livemode).order_by()
    payouts = Payout.objects.for_mode(account, livemode).order_by()

    txn_ids = [t.stripe_id for t in parsed.txns]
    existing_txns: dict[str, dict[str, Any]] = {}
    compared = ("amount", "fee", "net", "currency", "reporting_category", "created", "available_on", "effective_at")
    for chunk in _chunks(txn_ids):
        for values in ledger.filter(stripe_id__in=chunk).values(
            "pk", "stripe_id", *compared, *IDENTIFIERS, "payout__stripe_id", "automatic_payout__stripe_id"
        ):
            existing_txns[values["stripe_id"]] = values
    payout_ids = sorted(
        set(parsed.payouts)
        | {t.payout for t in parsed.txns if t.payout}
        | {t.automatic_payout for t in parsed.txns if t.automatic_payout}
    )
    existing: dict[str, Payout] = {}
    complete: set[str] = set()  # payouts whose own transaction is in the ledger: amount and fee known
    for chunk in _chunks(payout_ids):
        existing.update((p.stripe_id, p) for p in payouts.filter(stripe_id__in=chunk))
        complete.update(
            ledger.filter(payout__stripe_id__in=chunk, reporting_category="payout").values_list(
                "payout__stripe_id", flat=True
            )
        )

    with problems.collecting():
        new_payouts, payout_updates = plan_payouts(parsed, existing, complete, account, livemode, problems)
        effective = {p.stripe_id: p.effective_at for p in [*existing.values(), *new_payouts]}
        new_txns, link_updates = plan_txns(parsed, existing_txns, effective, sign, problems, result)
    problems.raise_if_any()

    # Everything checked: write.
    Payout.objects.bulk_create(new_payouts, batch_size=BATCH_SIZE)
    pks = {p.stripe_id: p.pk for p in existing.values()}
    if any(p.pk is None for p in new_payouts):  # a database without RETURNING
        for chunk in _chunks([p.stripe_id for p in new_payouts]):
            pks.update(payouts.filter(stripe_id__in=chunk).values_list("stripe_id", "pk"))
    else:
        pks.update((p.stripe_id, p.pk) for p in new_payouts)
    for pk, changes in payout_updates:
        # Payouts carry state (status, reversal, trace) that later exports update;
        # the ledger's amounts live on the transactions, which never change.
        Payout.objects.filter(pk=pk).update(**changes)
    result.payouts_created = len(new_payouts)
    result.payouts_updated = len(payout_updates)

    models = []
    for txn, payout in new_txns:
        model = _model(txn, account, livemode)
        model.payout_id = pks[payout] if payout else None
        model.automatic_payout_id = pks[txn.automatic_payout] if txn.automatic_payout else None
        models.append(model)
    BalanceTransaction.objects.bulk_create(models, batch_size=BATCH_SIZE)
    for pk, links in link_updates:
        BalanceTransaction.objects.filter(pk=pk).update(**{name: pks[ref] for name, ref in links.items()})
    result.added = len(new_txns)
    result.links_added = len(link_updates)
    return result


def _model(txn: TxnRow, account: Account, livemode: bool) -> BalanceTransaction:
    assert txn.effective_at is not None
    return BalanceTransaction(
        account=account,
        livemode=livemode,
        stripe_id=txn.stripe_id,
        type=txn.type,
        reporting_category=txn.reporting_category,
        amount=txn.amount,
        fee=txn.fee,
        net=txn.net,
        currency=txn.currency,
        created=txn.created,
        available_on=txn.available_on,
        effective_at=txn.effective_at,
        source_id=txn.source_id,
        **txn.details,
    )


def import_ledger(
    data: bytes | str,
    *,
    account: Account,
    livemode: bool,
    door: Door,
    actor: Any = None,
    filename: str = "",
    dry_run: bool = False,
    cell_format: str | None = None,
) -> ImportResult:
    """Parse, check and write a file in one transaction; advance the watermark; record the event.

    The watermark moves to the latest time the file dates a transaction by (the
    balance family's date: created, or a payout's effective time), never past
    now and never backwards. `cell_format` is the form of the file's text cells
    (a CellFormat), by default the account's setting: the form its own exports
    are written in.
    """
    cell_format = cell_format or account.cell_format
    parsed = parse(data, spreadsheet_safe=cell_format == CellFormat.SPREADSHEET_SAFE)
    with transaction.atomic():
        # One import per account at a time (a row lock on PostgreSQL; SQLite's
        # immediate transactions already serialise writers).
        list(Account.objects.select_for_update().filter(pk=account.pk).values_list("pk", flat=True))
        result = write(parsed, account=account, livemode=livemode)
        latest = parsed.latest
        if latest is not None:
            latest = min(latest, timezone.now())
            current = DataWatermark.current(account, livemode)
            if current is None or latest > current:
                DataWatermark.advance(account, livemode, latest)
                result.watermark = latest
        Event.record(
            Event.Action.LEDGER_IMPORTED,
            door=door,
            account=account,
            livemode=livemode,
            actor=actor,
            file=filename,
            layout=parsed.layout,
            rows=result.added,
            skipped=result.skipped,
            payouts_created=result.payouts_created,
            payouts_updated=result.payouts_updated,
            links_added=result.links_added,
            cell_format=cell_format,
        )
        if dry_run:
            transaction.set_rollback(True)
    return result
