"""Check the staged rows against the ledger, chunk by chunk, and stage what to write; nothing is written.

Reads only: on SQLite it takes no write lock, so requests go on while a large
file is checked. The import holds its account's import slot (`ImportJob`)
from here to the end of writing, so no other import changes the ledger it
checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from reporting.models import Account, BalanceTransaction, Payout

from .layouts import IDENTIFIERS, Layout
from .parsed import PayoutFacts
from .planning import plan_payouts, plan_txns, unlinked_note
from .problems import Problems
from .result import ImportResult
from .staging import Staging

# Rows checked (and looked up in the ledger) at a time.
CHUNK = 2000
# Stripe ids per `IN (...)` lookup.
LOOKUP_CHUNK = 500
COMPARED = ("amount", "fee", "net", "currency", "reporting_category", "created", "available_on", "effective_at")

_T = TypeVar("_T")


def chunks(items: list[_T], size: int = LOOKUP_CHUNK) -> Iterable[list[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Plan:
    """What writing will do, besides the rows and links kept in the staging file."""

    new_payouts: list[Payout]
    payout_updates: list[tuple[int, dict[str, Any]]]
    payout_pks: dict[str, int]  # the payouts already in the ledger, by Stripe id
    latest: datetime | None = None  # the latest time a transaction of the file is dated by
    rows_to_write: int = 0
    links: int = 0
    notes: list[str] = field(default_factory=list)


def check(
    staging: Staging,
    payouts: dict[str, PayoutFacts],
    payout_refs: set[str],
    layout: Layout,
    *,
    account: Account,
    livemode: bool,
    result: ImportResult,
    progress: Callable[[int], None],
) -> Plan:
    """Plan the payouts, then each chunk of staged rows; raise LedgerImportError with every problem."""
    problems = Problems()
    ledger = BalanceTransaction.objects.for_mode(account, livemode).order_by()
    ledger_payouts = Payout.objects.for_mode(account, livemode).order_by()
    existing: dict[str, Payout] = {}
    complete: set[str] = set()  # payouts whose own transaction is in the ledger: amount and fee known
    for ids in chunks(sorted(set(payouts) | payout_refs)):
        existing.update((p.stripe_id, p) for p in ledger_payouts.filter(stripe_id__in=ids))
        complete.update(
            ledger.filter(payout__stripe_id__in=ids, reporting_category="payout").values_list(
                "payout__stripe_id", flat=True
            )
        )
    plan = Plan([], [], {p.stripe_id: p.pk for p in existing.values()})
    unlinked: list[str] = []
    checked = 0
    with problems.collecting():
        plan.new_payouts, plan.payout_updates = plan_payouts(
            payouts, layout, existing, complete, account, livemode, problems
        )
        effective = {p.stripe_id: p.effective_at for p in [*existing.values(), *plan.new_payouts]}
        for txns in staging.txns(CHUNK):
            # No ordering: SQLite would pick the index that gives it over the one that finds the ids.
            rows = _ledger_rows(ledger, [t.stripe_id for t in txns])
            new, links = plan_txns(txns, layout, rows, effective, problems, result, unlinked)
            if not problems.items:  # after the first problem only more problems matter
                staging.add_new_rows(new)
                staging.add_links(links)
            plan.rows_to_write += len(new)
            plan.links += len(links)
            times = [t.effective_at or t.available_on for t in txns]
            plan.latest = max([*times, *([plan.latest] if plan.latest else [])])
            checked += len(txns)
            progress(checked)
    problems.raise_if_any()
    if note := unlinked_note(unlinked):
        plan.notes.append(note)
    staging.add_new_payouts([p.stripe_id for p in plan.new_payouts])
    return plan


def _ledger_rows(ledger: Any, stripe_ids: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for ids in chunks(stripe_ids):
        for values in ledger.filter(stripe_id__in=ids).values(
            "pk", "stripe_id", *COMPARED, *IDENTIFIERS, "payout__stripe_id", "automatic_payout__stripe_id"
        ):
            found[values["stripe_id"]] = values
    return found
