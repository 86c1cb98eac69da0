"""Check a parsed file against the ledger and decide what to write, without writing.

A transaction already in the ledger is compared on its own facts (amounts,
currency, category, times) and on the ids of the objects behind it where both
the file and the ledger have one (source, charge, payment intent, charge time,
customer, invoice, subscription, order, connected account, the payment a transfer
made on it). The type is not compared: a file without one leaves the ledger the
category's usual type, which a later file may name more exactly. Descriptive details
(names, emails, addresses, descriptions, card details, metadata, ...) are not
compared: Stripe lets them change and prints them as they are when the report
runs, so a later export may differ; the ledger keeps the first import's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from reporting.currencies import format_amount
from reporting.models import Account, Payout

from .layouts import IDENTIFIERS, PAYOUT_STATE_FIELDS, PAYOUTS, Layout
from .parsed import PayoutFacts, TxnRow
from .problems import Problems, quote
from .result import ImportResult


def plan_payouts(
    payouts: dict[str, PayoutFacts],
    layout: Layout,
    existing: dict[str, Payout],
    complete: set[str],
    account: Account,
    livemode: bool,
    problems: Problems,
) -> tuple[list[Payout], list[tuple[int, dict[str, Any]]]]:
    """Return the payouts to create and the changes to make to payouts in the ledger (by pk)."""
    new: list[Payout] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    for stripe_id, facts in payouts.items():
        values = facts.values
        payout = existing.get(stripe_id)
        if payout is None:
            if facts.optional:
                continue  # only a balance-layout payout row names it: leave it unlinked
            effective_at = values.get("effective_at")
            if effective_at is None:
                problems.add(
                    f"payout {stripe_id} is not in the ledger and this file does not say when it took effect; "
                    "import the export that has it (its payout row, or automatic_payout_effective_at) first",
                    facts.line,
                    facts.column,
                )
                continue
            arrival = values.get("arrival_date", effective_at)
            # Automatic: transactions name it as their automatic payout, or (a payouts
            # export alone) it took effect at its expected arrival (design.md).
            automatic = facts.automatic or effective_at == arrival
            state = {name: values[name] for name in PAYOUT_STATE_FIELDS if name in values}
            state["arrival_date"] = arrival
            new.append(
                Payout(
                    account=account,
                    livemode=livemode,
                    stripe_id=stripe_id,
                    # Unknown until the payout's own row is imported (a placeholder from the balance layout).
                    amount=values.get("amount", 0),
                    fee=values.get("fee", 0),
                    currency=facts.currency,
                    automatic=automatic,
                    # The files do not carry the creation time: a manual payout's is its
                    # effective time; an automatic payout's is unknown and taken as the same.
                    created=effective_at,
                    effective_at=effective_at,
                    **state,
                )
            )
            continue
        if payout.currency != facts.currency:
            problems.add(
                f"payout {stripe_id} is in {payout.currency} in the ledger, not {facts.currency}",
                facts.line,
                facts.column,
            )
            continue
        changes: dict[str, Any] = {}
        for name in ("effective_at", "amount", "fee"):
            if name not in values or values[name] == getattr(payout, name):
                continue
            if name != "effective_at" and stripe_id not in complete:
                changes[name] = values[name]  # a placeholder gets its amounts
                continue
            line, column = facts.where[name]
            old = _payout_display(name, getattr(payout, name), payout.currency, layout)
            new_value = _payout_display(name, values[name], payout.currency, layout)
            problems.add(f"payout {stripe_id} is in the ledger with {column} {old}, not {new_value}", line, column)
        for name in PAYOUT_STATE_FIELDS:
            if name in values and values[name] != getattr(payout, name):
                changes[name] = values[name]
        if facts.automatic and not payout.automatic:
            changes["automatic"] = True
        if changes:
            updates.append((payout.pk, changes))
    # Created in order of effective time, then id, whatever the file's row order: payouts
    # taking effect together then keep one order (the reports break such ties by key).
    new.sort(key=lambda p: (p.effective_at, p.stripe_id))
    return new, updates


def plan_txns(
    txns: Iterable[TxnRow],
    layout: Layout,
    existing: dict[str, dict[str, Any]],
    effective: dict[str, datetime],
    problems: Problems,
    result: ImportResult,
    unlinked: list[str],
) -> tuple[list[tuple[TxnRow, str | None]], list[tuple[int, dict[str, str]]]]:
    """Return the rows to insert (with the payout each moves) and the links to add to existing rows.

    Called once per chunk of the file's transactions; `existing` holds the chunk's ids
    found in the ledger. Payouts these rows name but the ledger lacks go to `unlinked`
    (`unlinked_note` says so once, at the end).
    """
    sign = -1 if layout == PAYOUTS else 1
    new: list[tuple[TxnRow, str | None]] = []
    links: list[tuple[int, dict[str, str]]] = []
    for txn in txns:
        payout = txn.payout
        if payout is not None and payout not in effective:
            if not txn.payout_optional:
                # Reported by plan_payouts (the payout cannot be created).
                continue
            unlinked.append(payout)
            payout = None
        if txn.effective_at is None:
            txn.effective_at = effective.get(txn.payout or "", txn.available_on)
        row = existing.get(txn.stripe_id)
        if row is None:
            new.append((txn, payout))
            continue
        for name, column in txn.stated.items():
            if _disagree(name, row[name], txn.value(name)):
                old = _display(name, row[name], row["currency"], sign)
                value = _display(name, txn.value(name), txn.currency, sign)
                problems.add(f"{txn.stripe_id} is in the ledger with {column} {old}, not {value}", txn.line, column)
                break
        else:
            result.skipped += 1
            changes: dict[str, str] = {}
            for name, ref in (("payout", payout), ("automatic_payout", txn.automatic_payout)):
                current = row[f"{name}__stripe_id"]
                if ref is None or current == ref:
                    continue
                if current is None:
                    changes[name] = ref
                    continue
                column = "automatic_payout_id" if name == "automatic_payout" else _payout_column(layout)
                problems.add(
                    f"{txn.stripe_id} is in the ledger with {name.replace('_', ' ')} {current}, not {ref}",
                    txn.line,
                    column,
                )
            if changes:
                links.append((row["pk"], changes))
    return new, links


def unlinked_note(unlinked: list[str]) -> str | None:
    """Say which payout transactions were imported without their payout, or None."""
    if not unlinked:
        return None
    names = ", ".join(sorted(set(unlinked))[:5])
    return (
        f"{len(unlinked)} payout transaction(s) name payouts the ledger does not have ({names}); "
        "they are imported unlinked: import the payouts export to link them."
    )


def _disagree(name: str, ledger: Any, file: Any) -> bool:
    if name in IDENTIFIERS and (ledger in (None, "") or file in (None, "")):
        return False  # one side does not know it (an older export, a narrower one)
    return bool(ledger != file)


def _payout_column(layout: Layout) -> str:
    return "payout_id" if layout == PAYOUTS else "source_id"


def _display(name: str, value: Any, currency: str, sign: int) -> str:
    """Quote a ledger field's value as the file writes it: amounts in major units, times in UTC."""
    if name in ("amount", "fee", "net") and isinstance(value, int):
        return f"'{format_amount(sign * value, currency)}'"
    return quote(value)


def _payout_display(name: str, value: Any, currency: str, layout: Layout) -> str:
    """Quote a payout's amount or fee as the file writes it (payouts: the bank's view; balance: the ledger's)."""
    if name == "amount":
        return _display(name, value, currency, 1 if layout == PAYOUTS else -1)
    if name == "fee":
        return _display(name, value, currency, -1 if layout == PAYOUTS else 1)
    return _display(name, value, currency, 1)
