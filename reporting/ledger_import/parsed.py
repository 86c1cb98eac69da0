"""What `parse()` makes of a file: its transactions and what it says about each payout."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .layouts import Layout
from .problems import Problems, quote


@dataclass(slots=True)
class TxnRow:
    """One balance transaction read from the file; payouts are named by their Stripe ids."""

    line: int
    stripe_id: str
    type: str
    reporting_category: str
    amount: int
    fee: int
    net: int
    currency: str
    created: datetime
    available_on: datetime
    # None: the linked payout's effective time (a payout's own row in the balance layout).
    effective_at: datetime | None
    source_id: str = ""
    payout: str | None = None
    automatic_payout: str | None = None
    # Every other ledger field the file gives (description, customer, card, metadata, ...).
    details: dict[str, Any] = field(default_factory=dict)
    # Ledger fields this row states (compared with a row already in the ledger) -> column names.
    stated: dict[str, str] = field(default_factory=dict)
    # A balance-layout payout row whose payout may be unknown: link only if it is known.
    payout_optional: bool = False

    def value(self, name: str) -> Any:
        """Return a ledger field's value as this row has it (None for a detail the file does not give)."""
        if name in self.details:
            return self.details[name]
        return getattr(self, name, None)


@dataclass
class PayoutFacts:
    """What the file says about one payout; fields it does not carry are absent from `values`."""

    stripe_id: str
    currency: str
    line: int
    column: str
    values: dict[str, Any] = field(default_factory=dict)
    where: dict[str, tuple[int, str]] = field(default_factory=dict)
    automatic: bool = False  # a transaction's automatic_payout_id names it
    # Only the balance layout's payout rows name it: no need to create it if unknown.
    optional: bool = True

    def state(self, name: str, value: Any, line: int, column: str, problems: Problems) -> None:
        if name in self.values and self.values[name] != value:
            first_line, first_column = self.where[name]
            problems.add(
                f"payout {self.stripe_id} has {_show(self.values[name])} in {first_column} on line {first_line}, "
                f"here {_show(value)}",
                line,
                column,
            )
            return
        self.values[name] = value
        self.where.setdefault(name, (line, column))


def _show(value: Any) -> str:
    return "nothing" if value is None else quote(value)


@dataclass
class ParsedFile:
    layout: Layout
    txns: list[TxnRow]
    payouts: dict[str, PayoutFacts]
    notes: list[str]
    ignored_columns: list[str]

    @property
    def latest(self) -> datetime | None:
        """The latest time the file dates a transaction by (its effective time, else created)."""
        times = [t.effective_at or t.available_on for t in self.txns]
        return max(times, default=None)
