"""Map one record of either layout to the balance transaction it describes and the payout facts it gives."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reporting.categories import PAYOUT_CATEGORIES, REPORTING_CATEGORIES, TYPES, category_of
from reporting.models import BalanceTransaction, Payout

from .cells import Row, max_length
from .layouts import BALANCE_TEXT, IDENTIFIERS
from .parsed import PayoutFacts, TxnRow


def balance_row(row: Row, payouts: dict[str, PayoutFacts]) -> TxnRow | None:
    """Read a balance-layout record; None if it has a problem."""
    bt = BalanceTransaction
    stripe_id = row.text("stripe_id", max_length(bt, "stripe_id"), required=True)
    created = row.timestamp("created", required=True)
    available_on = row.timestamp("available_on", required=True)
    currency = row.currency("currency", required=True)
    amounts = _amounts(row, currency, 1)
    source_id = row.text("source_id", max_length(bt, "source_id")) or ""
    kind, category = _type_and_category(row, source_id, amounts)
    details = _details(row, currency)
    automatic_payout = row.text("automatic_payout_id", max_length(Payout, "stripe_id")) or None
    automatic_effective = row.timestamp("automatic_payout_effective_at")
    traces = {name: _payout_text(row, name) for name in ("trace_id", "trace_id_status")}
    if (
        not row.ok
        or stripe_id is None
        or created is None
        or available_on is None
        or currency is None
        or amounts is None
        or category is None
    ):
        return None
    amount, fee, net = amounts
    line = row.line
    if automatic_payout is not None:
        facts = _facts(payouts, automatic_payout, currency, row, "automatic_payout_id")
        if facts is None:
            return None
        facts.automatic = True
        facts.optional = False
        if automatic_effective is not None:
            facts.state(
                "effective_at", automatic_effective, line, row.column("automatic_payout_effective_at"), row.problems
            )
        for name, trace in traces.items():
            if row.has(name):
                facts.state(name, trace, line, row.column(name), row.problems)
    payout = None
    effective_at: datetime | None = created
    if category in PAYOUT_CATEGORIES and source_id.startswith("po_"):
        # Reconciliation exports list payouts too; their source is the payout.
        payout = source_id
        if category == "payout":
            effective_at = None  # the payout's effective time, resolved against the ledger
            facts = _facts(payouts, payout, currency, row, "source_id")
            if facts is None:
                return None
            _state_amounts(facts, row, amount, fee)
    stated = _stated_amounts(row)
    if category not in PAYOUT_CATEGORIES:
        # A payout's transaction may have come from a payouts export, which has only
        # its effective time: its creation and availability there are stand-ins.
        stated.update(
            created=row.column("created"), available_on=row.column("available_on"), effective_at=row.column("created")
        )
    stated.update((name, row.column(name)) for name in IDENTIFIERS if row.has(name))
    return TxnRow(
        line=line,
        stripe_id=stripe_id,
        type=kind or TYPES[category],
        reporting_category=category,
        amount=amount,
        fee=fee,
        net=net,
        currency=currency,
        created=created,
        available_on=available_on,
        effective_at=effective_at,
        source_id=source_id,
        payout=payout,
        automatic_payout=automatic_payout,
        details=details,
        stated=stated,
        payout_optional=True,
    )


def payouts_row(row: Row, payouts: dict[str, PayoutFacts]) -> TxnRow | None:
    """Read a payouts-layout record; None if it has a problem."""
    payout_id = row.text("payout_id", max_length(Payout, "stripe_id")) or None
    effective_at = row.timestamp("effective_at", required=True)
    currency = row.currency("currency", required=True)
    # The bank's view: a payout is positive here and negative in the ledger.
    amounts = _amounts(row, currency, -1)
    category = row.category("reporting_category", PAYOUT_CATEGORIES)
    stripe_id = row.text("stripe_id", max_length(BalanceTransaction, "stripe_id"), required=True)
    details: dict[str, Any] = {"description": row.text("description", max_length(BalanceTransaction, "description"))}
    if row.has("application_fee"):
        details["application_fee"] = row.amount("application_fee", currency)
    if row.has("regulatory_tag"):
        details["regulatory_tag"] = row.text("regulatory_tag", max_length(BalanceTransaction, "regulatory_tag"))
    state: dict[str, Any] = {}
    if row.has("arrival_date"):
        state["arrival_date"] = row.timestamp("arrival_date")
    if row.has("status"):
        status = row.raw("status")
        if status is not None and status not in Payout.Status.values:
            row.fail("status", f"unknown payout status '{status}' (one of {', '.join(Payout.Status.values)})")
        state["status"] = status
    if row.has("reversed_at"):
        state["reversed_at"] = row.timestamp("reversed_at")
    if row.has("type"):
        state["type"] = row.text("type", max_length(Payout, "type"))
    if row.has("payout_description"):
        state["description"] = row.text("payout_description", max_length(Payout, "description")) or ""
    for name in ("destination_id", "trace_id", "trace_id_status"):
        if row.has(name):
            state[name] = _payout_text(row, name)
    if (
        not row.ok
        or effective_at is None
        or currency is None
        or amounts is None
        or category is None
        or stripe_id is None
    ):
        return None
    amount, fee, net = amounts
    if payout_id is not None:
        facts = _facts(payouts, payout_id, currency, row, "payout_id")
        if facts is None:
            return None
        facts.optional = False
        for name, value in state.items():
            if name == "arrival_date" and value is None:
                continue  # unknown, not "no arrival"
            if name in ("status", "type") and value is None:
                continue  # the model's default stays
            column = row.column("payout_description" if name == "description" else name)
            facts.state(name, value, row.line, column, row.problems)
        if category == "payout":
            facts.state("effective_at", effective_at, row.line, row.column("effective_at"), row.problems)
            _state_amounts(facts, row, amount, fee)
    kind = category
    if category == "payout_reversal":
        kind = "payout_cancel" if state.get("status") == Payout.Status.CANCELED else "payout_failure"
    return TxnRow(
        line=row.line,
        stripe_id=stripe_id,
        type=kind,
        reporting_category=category,
        amount=amount,
        fee=fee,
        net=net,
        currency=currency,
        # The file has only the effective time: a manual payout's creation, an
        # automatic payout's arrival, a reversal's return to the balance.
        created=effective_at,
        available_on=effective_at,
        effective_at=effective_at,
        source_id=payout_id or "",
        payout=payout_id,
        details=details,
        stated={
            **_stated_amounts(row),
            "effective_at": row.column("effective_at"),
            **({"source_id": row.column("payout_id")} if row.has("payout_id") else {}),
        },
    )


def _amounts(row: Row, currency: str | None, sign: int) -> tuple[int, int, int] | None:
    gross = row.amount("gross", currency, required=True)
    fee = row.amount("fee", currency, required=True)
    net = row.amount("net", currency, required=True)
    if gross is None or fee is None or net is None:
        return None
    if net != gross - fee:
        row.fail("net", f"'{row.raw('net')}' is not gross - fee ({row.raw('gross')} - {row.raw('fee')})")
        return None
    return sign * gross, sign * fee, sign * net


def _type_and_category(row: Row, source_id: str, amounts: tuple[int, int, int] | None) -> tuple[str | None, str | None]:
    """Read the file's type (None without a type column) and its category, derived from the type without one.

    The file's category wins over the type's: Stripe's page maps types to categories
    only roughly (an `adjustment` may be a `fee` or a `refund_failure`), so the two are
    not checked against each other, and a type the page does not list is kept as is.
    """
    given = row.has("reporting_category")
    # An empty type beside a category is the category's usual type (TYPES).
    kind = row.text("type", max_length(BalanceTransaction, "type"), required=not given) if row.has("type") else None
    if given:
        return kind, row.category("reporting_category", REPORTING_CATEGORIES)
    if kind is None:
        return None, None
    category = category_of(kind, source_id=source_id, amount=amounts[0] if amounts else 0)
    if category is None:
        row.fail("type", f"unknown balance transaction type '{kind}'; give the file a reporting_category column")
    return kind, category


def _stated_amounts(row: Row) -> dict[str, str]:
    """Map the amounts, currency and category, which every row states, to their columns."""
    return {
        "amount": row.column("gross"),
        "fee": row.column("fee"),
        "net": row.column("net"),
        "currency": row.column("currency"),
        # A category derived from the file's type is stated by that column.
        "reporting_category": row.column("reporting_category" if row.has("reporting_category") else "type"),
    }


def _details(row: Row, currency: str | None) -> dict[str, Any]:
    """Read the optional columns of the balance layout that the file has, as ledger fields."""
    bt = BalanceTransaction
    details: dict[str, Any] = {name: row.text(name, max_length(bt, name)) for name in BALANCE_TEXT if row.has(name)}
    if row.has("customer_facing_currency"):
        details["customer_facing_currency"] = row.currency("customer_facing_currency")
    if row.has("customer_facing_amount"):
        cf_currency = details.get("customer_facing_currency")
        if row.raw("customer_facing_amount") and cf_currency is None and row.ok:
            row.fail("customer_facing_amount", "needs a customer_facing_currency")
        details["customer_facing_amount"] = row.amount("customer_facing_amount", cf_currency)
    if row.has("charge_created"):
        details["charge_created"] = row.timestamp("charge_created")
    if row.has("is_link"):
        details["is_link"] = row.boolean("is_link")
    if row.has("application_fee"):
        details["application_fee"] = row.amount("application_fee", currency)
    return details


def _payout_text(row: Row, name: str) -> str:
    """Read a payout's text column written blank-as-null: null in the file is "" in the ledger."""
    return row.text(name, max_length(Payout, name)) or ""


def _facts(payouts: dict[str, PayoutFacts], stripe_id: str, currency: str, row: Row, column: str) -> PayoutFacts | None:
    facts = payouts.get(stripe_id)
    if facts is None:
        facts = payouts[stripe_id] = PayoutFacts(stripe_id, currency, row.line, row.column(column))
    elif facts.currency != currency:
        row.fail(
            "currency", f"payout {stripe_id} is in {facts.currency} on line {facts.line}; a payout has one currency"
        )
        return None
    return facts


def _state_amounts(facts: PayoutFacts, row: Row, amount: int, fee: int) -> None:
    """State a payout's amount and fee from its own transaction, which moves the opposite of the payout."""
    facts.state("amount", -amount, row.line, row.column("gross"), row.problems)
    facts.state("fee", fee, row.line, row.column("fee"), row.problems)
