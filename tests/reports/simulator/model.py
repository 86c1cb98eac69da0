"""The simulator behind the reconciliation tests, and its own bookkeeping.

A small simulator writes random, internally consistent ledgers: charges, refunds,
fees, disputes and adjustments in usd, eur (two decimals) and jpy (none); per
currency a schedule of automatic payouts, each settling, at its cutoff, every
transaction available by then and not yet settled, with its own payout
transaction (amount -(sum of the settled nets)) dated when it arrives; manual
payouts, whose transaction the next automatic payout sweeps like any other; and
failed automatic payouts, whose payout_reversal the next automatic payout settles.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from tests.reports.builders import at
from tests.reports.reading import Line

ORIGIN = at(2025, 3, 24)  # ten days across Europe's DST change (2025-03-30 01:00 UTC)
DAYS = 10
CURRENCIES = ["usd", "eur", "jpy"]


@dataclass(frozen=True)
class Activity:
    kind: str  # charge | refund | fee | dispute | other_adjustment
    currency: str
    hour: int  # hours after ORIGIN
    minute: int
    amount: int
    fee: int
    available_days: int  # charges: funds available that many midnights later


@dataclass(frozen=True)
class Cutoff:
    currency: str
    hour: int  # when the automatic payout is created (it settles what is available by then)
    arrival_days: int  # arrives (and leaves the balance) at a midnight that many days later
    fails: bool
    back_hours: int  # a failed payout's funds come back that many hours after its arrival
    fail_nth: int | None = None  # also fails when it is the currency's n-th automatic payout (from 0)


@dataclass(frozen=True)
class Schedule:
    """Regular automatic payouts of one currency, some of which fail."""

    currency: str
    first_hour: int
    every_hours: int
    arrival_days: int
    fail_nth: int | None  # the currency's n-th automatic payout fails
    back_hours: int

    def cutoffs(self) -> list[Cutoff]:
        hours = range(self.first_hour, (DAYS + 2) * 24, self.every_hours)
        return [Cutoff(self.currency, h, self.arrival_days, False, self.back_hours, self.fail_nth) for h in hours]


@dataclass(frozen=True)
class Manual:
    currency: str
    hour: int
    minute: int
    amount: int


@dataclass(frozen=True)
class LedgerPlan:
    activity: list[Activity]
    schedules: list[Schedule]
    cutoffs: list[Cutoff]  # irregular payouts besides the schedules
    manuals: list[Manual]

    def all_cutoffs(self) -> list[Cutoff]:
        return sorted(
            [*self.cutoffs, *(c for s in self.schedules for c in s.cutoffs())], key=lambda c: (c.hour, c.currency)
        )


@dataclass
class SimPayout:
    stripe_id: str
    currency: str
    amount: int
    created: datetime
    arrival: datetime
    automatic: bool
    status: str = "paid"
    reversed_at: datetime | None = None
    settled: list[str] = field(default_factory=list)  # stripe ids of the transactions it settled

    @property
    def effective_at(self) -> datetime:
        return self.arrival if self.automatic else self.created


@dataclass
class SimTxn:
    stripe_id: str
    category: str
    currency: str
    created: datetime
    available_on: datetime
    amount: int
    fee: int
    effective_at: datetime
    payout: str | None = None  # the payout it moves (payout, payout_reversal)
    own_automatic: bool = False  # an automatic payout's own transaction
    settled_by: str | None = None  # the automatic payout that took it out of the balance

    @property
    def net(self) -> int:
        return self.amount - self.fee


@dataclass
class Sim:
    txns: list[SimTxn]
    payouts: dict[str, SimPayout]

    def balance(self, currency: str, moment: datetime) -> int:
        """The balance just before `moment`: every net dated before it."""
        return sum(t.net for t in self.txns if t.currency == currency and t.effective_at < moment)

    def automatic(self) -> list[SimPayout]:
        return [p for p in self.payouts.values() if p.automatic]

    def unsettled(self, moment: datetime) -> set[str]:
        """Created before `moment` and not taken out by an automatic payout that left before it."""
        return {
            t.stripe_id
            for t in self.txns
            if not t.own_automatic
            and t.created < moment
            and (t.settled_by is None or self.payouts[t.settled_by].arrival >= moment)
        }


def midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.date(), time(), tzinfo=UTC)


def simulate(plan: LedgerPlan) -> Sim:
    txns: list[SimTxn] = []
    payouts: dict[str, SimPayout] = {}
    for i, a in enumerate(plan.activity):
        created = ORIGIN + timedelta(hours=a.hour, minutes=a.minute)
        sign = -1 if a.kind in ("refund", "fee", "dispute") else 1
        if a.kind == "other_adjustment" and a.fee % 2:
            sign = -1  # adjustments go either way
        fee = a.fee if a.kind in ("charge", "dispute") else 0
        available = midnight(created) + timedelta(days=a.available_days) if a.kind == "charge" else created
        txns.append(SimTxn(f"txn_{i}", a.kind, a.currency, created, available, sign * a.amount, fee, created))
    for i, m in enumerate(plan.manuals):
        created = ORIGIN + timedelta(hours=m.hour, minutes=m.minute)
        po = SimPayout(f"po_manual_{i}", m.currency, m.amount, created, midnight(created) + timedelta(days=2), False)
        payouts[po.stripe_id] = po
        txns.append(
            SimTxn(f"txn_po_manual_{i}", "payout", m.currency, created, created, -m.amount, 0, created, po.stripe_id)
        )
    # Automatic payouts in the order of their cutoffs (a failed one's reversal is settled by a later one).
    made: Counter[str] = Counter()
    for i, c in enumerate(plan.all_cutoffs()):
        cutoff = ORIGIN + timedelta(hours=c.hour)
        eligible = [
            t
            for t in txns
            if t.currency == c.currency and t.settled_by is None and not t.own_automatic and t.available_on <= cutoff
        ]
        total = sum(t.net for t in eligible)
        if not eligible or total == 0:
            continue  # nothing to pay out: it all waits for the next cutoff
        arrival = midnight(cutoff) + timedelta(days=c.arrival_days)
        po = SimPayout(f"po_auto_{i}", c.currency, total, cutoff, arrival, True)
        payouts[po.stripe_id] = po
        fails = c.fails or c.fail_nth == made[c.currency]
        made[c.currency] += 1
        for t in eligible:
            t.settled_by = po.stripe_id
            po.settled.append(t.stripe_id)
        txns.append(
            SimTxn(f"txn_po_auto_{i}", "payout", c.currency, cutoff, arrival, -total, 0, arrival, po.stripe_id, True)
        )
        if fails and total > 0:
            back = arrival + timedelta(hours=c.back_hours)
            po.status, po.reversed_at = "failed", back
            txns.append(
                SimTxn(f"txn_po_rev_{i}", "payout_reversal", c.currency, back, back, total, 0, back, po.stripe_id)
            )
    return Sim(txns, payouts)


def sim_lines(txns: list[SimTxn]) -> dict[tuple[str, str], Line]:
    """What a summary by category should say about these simulated transactions."""
    sums: dict[tuple[str, str], Line] = defaultdict(Line)
    for t in txns:
        line = Line(1, t.amount, -t.fee, t.net)
        sums[t.currency, t.category] += line
        sums[t.currency, "total"] += line
    return dict(sums)
