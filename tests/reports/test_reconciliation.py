"""The balance, payout and reconciliation reports agree with each other and with a simulated ledger.

A small simulator writes random, internally consistent ledgers: charges, refunds,
fees, disputes and adjustments in usd, eur (two decimals) and jpy (none); per
currency a schedule of automatic payouts, each settling, at its cutoff, every
transaction available by then and not yet settled, with its own payout
transaction (amount -(sum of the settled nets)) dated when it arrives; manual
payouts, whose transaction the next automatic payout sweeps like any other; and
failed automatic payouts, whose payout_reversal the next automatic payout settles.

Every expectation below comes either from another report (the families must
agree, with the signs real files have) or from the simulator's own bookkeeping,
never from the queries under test. Amounts are compared in minor units, parsed
from the CSV cells the reports write.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reporting.currencies import exponent
from reporting.models import BalanceTransaction, Payout
from reporting.reports import Params, get_report
from tests.factories import AccountFactory

from .builders import TYPES, at

pytestmark = pytest.mark.django_db

ORIGIN = at(2025, 3, 24)  # ten days across Europe's DST change (2025-03-30 01:00 UTC)
DAYS = 10
CURRENCIES = ["usd", "eur", "jpy"]
ZONES = ["Etc/UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]

BALANCE = "balance.summary.1"
ACTIVITY_SUMMARY = "balance_change_from_activity.summary.1"
PAYOUTS_SUMMARY = "payouts.summary.1"
RECON_SUMMARY = "payout_reconciliation.summary.1"
BY_ID_SUMMARY = "payout_reconciliation.by_id.summary.1"
ENDING_SUMMARY = "ending_balance_reconciliation.summary.1"
ACTIVITY_ITEMIZED = [f"balance_change_from_activity.itemized.{v}" for v in (1, 2, 3)]
PAYOUTS_ITEMIZED = [f"payouts.itemized.{v}" for v in (1, 2, 3)]
RECON_ITEMIZED = [f"payout_reconciliation.itemized.{v}" for v in (1, 2, 3, 4, 5)]
BY_ID_ITEMIZED = [f"payout_reconciliation.by_id.itemized.{v}" for v in (1, 2, 3, 4)]
ENDING_ITEMIZED = [f"ending_balance_reconciliation.itemized.{v}" for v in (1, 2, 3, 4)]
BALANCE_LINES = ["activity_gross", "activity_fee", "activity", "payouts_gross", "payouts_fee", "payouts"]


# The simulator


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


def write_ledger(account, sim: Sim) -> None:
    made = Payout.objects.bulk_create(
        Payout(
            account=account,
            livemode=False,
            stripe_id=p.stripe_id,
            amount=p.amount,
            currency=p.currency,
            status=p.status,
            automatic=p.automatic,
            created=p.created,
            arrival_date=p.arrival,
            effective_at=p.effective_at,
            reversed_at=p.reversed_at,
        )
        for p in sim.payouts.values()
    )
    pk = {p.stripe_id: p.pk for p in made}
    BalanceTransaction.objects.bulk_create(
        BalanceTransaction(
            account=account,
            livemode=False,
            stripe_id=t.stripe_id,
            type=TYPES[t.category],
            reporting_category=t.category,
            amount=t.amount,
            fee=t.fee,
            net=t.net,
            currency=t.currency,
            created=t.created,
            available_on=t.available_on,
            effective_at=t.effective_at,
            description="Simulated",
            source_id=t.payout or f"ch_{t.stripe_id}",
            payout_id=pk[t.payout] if t.payout else None,
            automatic_payout_id=pk[t.settled_by] if t.settled_by else None,
        )
        for t in sim.txns
    )
    # Noise in another mode, which no report may count.
    BalanceTransaction.objects.create(
        account=account,
        livemode=True,
        stripe_id="txn_live",
        type="charge",
        reporting_category="charge",
        amount=777700,
        fee=0,
        net=777700,
        currency="usd",
        created=ORIGIN,
        available_on=ORIGIN,
        effective_at=ORIGIN,
    )


# Mostly usd, so that one currency sees several payouts (and a failed one's reversal swept by the next).
busy_currency = st.sampled_from(["usd", "usd", "usd", "eur", "jpy"])
activities = st.builds(
    Activity,
    kind=st.sampled_from(["charge", "charge", "charge", "refund", "fee", "dispute", "other_adjustment"]),
    currency=busy_currency,
    hour=st.integers(0, DAYS * 24 - 1),
    minute=st.sampled_from([0, 0, 0, 1, 30, 59]),
    amount=st.one_of(st.integers(1, 10**6), st.sampled_from([1, 99, 100, 10**8])),
    fee=st.integers(0, 3000),
    available_days=st.integers(0, 3),
)
cutoffs = st.builds(
    Cutoff,
    currency=busy_currency,
    hour=st.integers(0, (DAYS + 2) * 24),
    arrival_days=st.integers(1, 3),
    fails=st.sampled_from([False, False, True]),
    back_hours=st.integers(0, 12),
)
manuals = st.builds(
    Manual,
    currency=busy_currency,
    hour=st.integers(0, DAYS * 24),
    minute=st.sampled_from([0, 15]),
    amount=st.integers(1, 10**5),
)


def schedule(currency: str) -> st.SearchStrategy[Schedule]:
    return st.builds(
        Schedule,
        currency=st.just(currency),
        first_hour=st.integers(0, 47),
        every_hours=st.sampled_from([24, 12, 48, 30]),
        arrival_days=st.integers(1, 3),
        fail_nth=st.sampled_from([0, 1, 2, None]),
        back_hours=st.integers(0, 12),
    )


# Every currency is paid out on a schedule; the irregular cutoffs come on top.
schedules = st.tuples(*(schedule(c) for c in CURRENCIES)).map(list)
plans = st.builds(
    LedgerPlan,
    activity=st.lists(activities, min_size=3, max_size=14),
    schedules=schedules,
    cutoffs=st.lists(cutoffs, max_size=3),
    manuals=st.lists(manuals, max_size=2),
)


def draw_edges(data, sim: Sim) -> tuple[datetime, datetime, datetime]:
    """Three interval edges a < b < c: mostly on the ledger's own moments (a payout's arrival or cutoff,
    a transaction's time), exactly or a second either side, else on any hour of the window."""
    moments = sorted({p.arrival for p in sim.automatic()} | {p.created for p in sim.payouts.values()})
    moments += sorted({t.created for t in sim.txns})

    def edge() -> datetime:
        if moments and data.draw(st.integers(0, 3), label="on a ledger moment") > 0:
            moment = data.draw(st.sampled_from(moments), label="moment")
            return moment + timedelta(seconds=data.draw(st.sampled_from([0, 0, 0, 1, -1]), label="shift"))
        return ORIGIN + timedelta(hours=data.draw(st.integers(-6, (DAYS + 4) * 24), label="hour"))

    edges = {edge() for _ in range(3)}
    while len(edges) < 3:
        edges.add(max(edges) + timedelta(hours=len(edges)))
    a, b, c = sorted(edges)
    return a, b, c


def new_ledger(plan: LedgerPlan) -> tuple[str, Sim]:
    account = AccountFactory()
    sim = simulate(plan)
    write_ledger(account, sim)
    automatic = sim.automatic()
    event(f"automatic payouts: {min(len(automatic), 3)}+")
    event(f"failed payout: {any(p.status == 'failed' for p in automatic)}")
    event(f"manual payout swept: {any(t.payout and not t.own_automatic and t.settled_by for t in sim.txns)}")
    event(f"reversal swept: {any(t.category == 'payout_reversal' and t.settled_by for t in sim.txns)}")
    return account.id, sim


# Reading the files


def read(report_type: str, params: Params) -> list[dict[str, str]]:
    out = io.BytesIO()
    get_report(report_type).write(params, out)
    return list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"), newline="")))


def minor(cell: str, currency: str, separator: str = ".") -> int:
    """A major-unit amount cell as integer minor units; it must carry exactly the currency's decimals."""
    other = "," if separator == "." else "."
    assert other not in cell, f"{cell!r} written with the wrong decimal separator"
    value = Decimal(cell.replace(separator, "."))
    places = exponent(currency)
    assert value.as_tuple().exponent == -places, f"{cell!r} is not written with {places} decimals ({currency})"
    return int(value.scaleb(places))


def run(account_id: str, **kwargs) -> Params:
    return Params(account_id=account_id, livemode=False, **kwargs)


@dataclass
class Line:
    count: int = 0
    gross: int = 0
    fee: int = 0
    net: int = 0

    def __add__(self, other: Line) -> Line:
        return Line(self.count + other.count, self.gross + other.gross, self.fee + other.fee, self.net + other.net)


def category_summary(report_type: str, params: Params) -> dict[tuple[str, str], Line]:
    """{(currency, category): line} of a summary by category, `total` rows included, as written (fee negative)."""
    rows = read(report_type, params)
    lines: dict[tuple[str, str], Line] = {}
    for row in rows:
        cur = row["currency"]
        key = (cur, row["reporting_category"])
        assert key not in lines, f"{key} written twice"
        lines[key] = Line(int(row["count"]), minor(row["gross"], cur), minor(row["fee"], cur), minor(row["net"], cur))
    # Each currency's total row closes its block and adds up its category rows.
    for cur in {c for c, _ in lines}:
        parts = [line for (c, cat), line in lines.items() if c == cur and cat != "total"]
        assert parts, f"a total without categories for {cur}"
        assert lines[cur, "total"] == sum(parts, Line())
    for (_, _), line in lines.items():
        assert line.gross + line.fee == line.net  # fee written negative
    return lines


def itemized_sums(
    rows: list[dict[str, str]], separator: str = ".", *, flipped: bool = False
) -> dict[tuple[str, str], Line]:
    """Sum itemized rows per (currency, category) into the summaries' shape (fee negative, balance signs)."""
    sums: dict[tuple[str, str], Line] = defaultdict(Line)
    sign = -1 if flipped else 1  # payouts.itemized shows the bank's side: every amount flipped
    for row in rows:
        cur = row["currency"]
        gross, fee, net = (sign * minor(row[c], cur, separator) for c in ("gross", "fee", "net"))
        assert gross - fee == net
        line = Line(1, gross, -fee, net)
        sums[cur, row["reporting_category"]] += line
        sums[cur, "total"] += line
    return dict(sums)


def balance_blocks(params: Params) -> dict[str, dict[str, int]]:
    blocks: dict[str, dict[str, int]] = defaultdict(dict)
    for row in read(BALANCE, params):
        blocks[row["currency"]][row["category"]] = minor(row["net_amount"], row["currency"])
    return blocks


def sim_lines(txns: list[SimTxn]) -> dict[tuple[str, str], Line]:
    """What a summary by category should say about these simulated transactions."""
    sums: dict[tuple[str, str], Line] = defaultdict(Line)
    for t in txns:
        line = Line(1, t.amount, -t.fee, t.net)
        sums[t.currency, t.category] += line
        sums[t.currency, "total"] += line
    return dict(sums)


def add(x: dict[tuple[str, str], Line], y: dict[tuple[str, str], Line]) -> dict[tuple[str, str], Line]:
    return {key: x.get(key, Line()) + y.get(key, Line()) for key in x.keys() | y.keys()}


SETTINGS = settings(  # examples: the profile's (tests/conftest.py)
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# 1. Balance summary and the summaries by category: they add up, and they split at any moment


@SETTINGS
@given(plan=plans, data=st.data())
def test_summaries_add_up_and_split_at_any_moment(plan: LedgerPlan, data: st.DataObject) -> None:
    account_id, sim = new_ledger(plan)
    a, b, c = draw_edges(data, sim)
    pieces = [(a, b), (b, c), (a, c)]

    blocks = [balance_blocks(run(account_id, interval_start=lo, interval_end=hi)) for lo, hi in pieces]
    for (lo, hi), block in zip(pieces, blocks, strict=True):
        for cur, lines in block.items():
            assert lines["starting_balance"] + lines["activity"] + lines["payouts"] == lines["ending_balance"]
            assert lines["activity_gross"] + lines["activity_fee"] == lines["activity"]
            assert lines["payouts_gross"] + lines["payouts_fee"] == lines["payouts"]
            assert lines["starting_balance"] == sim.balance(cur, lo)
            assert lines["ending_balance"] == sim.balance(cur, hi)
        for cur in CURRENCIES:
            assert (cur in block) == any(t.currency == cur and t.effective_at < hi for t in sim.txns)
    first, second, whole = blocks
    for cur, lines in whole.items():
        for name in BALANCE_LINES:
            assert lines[name] == first.get(cur, {}).get(name, 0) + second[cur][name]

    in_range = {
        ACTIVITY_SUMMARY: lambda t, lo, hi: (
            t.category not in ("payout", "payout_reversal") and lo <= t.effective_at < hi
        ),
        PAYOUTS_SUMMARY: lambda t, lo, hi: t.category in ("payout", "payout_reversal") and lo <= t.effective_at < hi,
        RECON_SUMMARY: lambda t, lo, hi: t.settled_by is not None and lo <= sim.payouts[t.settled_by].arrival < hi,
    }
    for report_type, wanted in in_range.items():
        sums = [category_summary(report_type, run(account_id, interval_start=lo, interval_end=hi)) for lo, hi in pieces]
        assert add(sums[0], sums[1]) == sums[2], report_type
        for (lo, hi), got in zip(pieces, sums, strict=True):
            assert got == sim_lines([t for t in sim.txns if wanted(t, lo, hi)]), (report_type, lo, hi)

    # The balance summary's lines are the two category summaries' totals, signs included.
    for (lo, hi), block in zip(pieces, blocks, strict=True):
        activity = category_summary(ACTIVITY_SUMMARY, run(account_id, interval_start=lo, interval_end=hi))
        for cur, lines in block.items():
            total = activity.get((cur, "total"), Line())
            assert (lines["activity_gross"], lines["activity_fee"], lines["activity"]) == (
                total.gross,
                total.fee,
                total.net,
            )


# 2. Every itemized report sums to its summary, category by category


def decimal_for(report_type: str, data) -> str:
    if "decimal_separator" not in get_report(report_type).parameters:
        return "."
    return data.draw(st.sampled_from([".", ","]), label=f"decimal_separator of {report_type}")


def zone_for(report_type: str, data) -> ZoneInfo:
    if "timezone" not in get_report(report_type).parameters:
        return ZoneInfo("Etc/UTC")
    return ZoneInfo(data.draw(st.sampled_from(ZONES), label=f"timezone of {report_type}"))


@SETTINGS
@given(plan=plans, currency=st.sampled_from([None, None, *CURRENCIES]), data=st.data())
def test_itemized_reports_sum_to_their_summaries(plan: LedgerPlan, currency: str | None, data: st.DataObject) -> None:
    account_id, sim = new_ledger(plan)
    a, b, _ = draw_edges(data, sim)
    interval = {"interval_start": a, "interval_end": b, "currency": currency}
    pairs = [
        (data.draw(st.sampled_from(ACTIVITY_ITEMIZED)), ACTIVITY_SUMMARY, interval, False),
        (data.draw(st.sampled_from(PAYOUTS_ITEMIZED)), PAYOUTS_SUMMARY, interval, True),
        (data.draw(st.sampled_from(RECON_ITEMIZED)), RECON_SUMMARY, interval, False),
        (
            data.draw(st.sampled_from(ENDING_ITEMIZED)),
            ENDING_SUMMARY,
            {"interval_end": b, "currency": currency},
            False,
        ),
    ]
    for itemized, summary, scope, flipped in pairs:
        separator = decimal_for(itemized, data)
        rows = read(itemized, run(account_id, **scope, decimal_separator=separator, timezone=zone_for(itemized, data)))
        expected = category_summary(summary, run(account_id, **scope))
        assert itemized_sums(rows, separator, flipped=flipped) == expected, (itemized, summary)
        assert all(currency in (None, row["currency"]) for row in rows)

    for po in sim.automatic():
        itemized = data.draw(st.sampled_from(BY_ID_ITEMIZED))
        separator = decimal_for(itemized, data)
        rows = read(itemized, run(account_id, payout=po.stripe_id, decimal_separator=separator))
        expected = category_summary(BY_ID_SUMMARY, run(account_id, payout=po.stripe_id))
        assert itemized_sums(rows, separator) == expected, (itemized, po.stripe_id)


# 3. Each automatic payout is the net of the transactions it settled


@SETTINGS
@given(plan=plans, data=st.data())
def test_each_automatic_payout_is_the_net_of_what_it_settled(plan: LedgerPlan, data: st.DataObject) -> None:
    account_id, sim = new_ledger(plan)
    columns = ["automatic_payout_id", "balance_transaction_id", "currency", "net"]

    for po in sim.automatic():
        itemized = data.draw(st.sampled_from(BY_ID_ITEMIZED))
        rows = read(itemized, run(account_id, payout=po.stripe_id, columns=columns))
        assert {r["automatic_payout_id"] for r in rows} == {po.stripe_id}
        assert sorted(r["balance_transaction_id"] for r in rows) == sorted(po.settled)
        assert sum(minor(r["net"], po.currency) for r in rows) == po.amount
        summary = category_summary(BY_ID_SUMMARY, run(account_id, payout=po.stripe_id))
        assert summary[po.currency, "total"].net == po.amount
        assert summary[po.currency, "total"].count == len(po.settled)

    # Over an interval: the payouts arriving in it, each with exactly its transactions, in order of arrival.
    a, b, _ = draw_edges(data, sim)
    itemized = data.draw(st.sampled_from(RECON_ITEMIZED))
    rows = read(itemized, run(account_id, interval_start=a, interval_end=b, columns=columns))
    arriving = [p for p in sim.automatic() if a <= p.arrival < b]
    by_payout: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_payout[r["automatic_payout_id"]].append(r)
    assert set(by_payout) == {p.stripe_id for p in arriving}
    for po in arriving:
        assert sorted(r["balance_transaction_id"] for r in by_payout[po.stripe_id]) == sorted(po.settled)
        assert sum(minor(r["net"], po.currency) for r in by_payout[po.stripe_id]) == po.amount
    order = [r["automatic_payout_id"] for r in rows]
    assert order == sorted(order, key=lambda s: (sim.payouts[s].arrival, s))

    # The payouts report shows the same payouts from the bank's side (positive when sent).
    sent = read(PAYOUTS_ITEMIZED[0], run(account_id, interval_start=a, interval_end=b))
    automatic = {
        r["payout_id"]: r for r in sent if r["reporting_category"] == "payout" and r["payout_id"] in sim.payouts
    }
    for po in arriving:
        assert minor(automatic[po.stripe_id]["net"], po.currency) == po.amount


# 4. The ending balance is what no payout has taken out yet


@SETTINGS
@given(plan=plans, data=st.data())
def test_ending_balance_lists_what_no_payout_has_taken_out(plan: LedgerPlan, data: st.DataObject) -> None:
    account_id, sim = new_ledger(plan)
    a, _, end = draw_edges(data, sim)
    itemized = data.draw(st.sampled_from(ENDING_ITEMIZED))

    rows = read(itemized, run(account_id, interval_end=end, columns=["balance_transaction_id", "currency", "net"]))

    listed = [r["balance_transaction_id"] for r in rows]
    assert len(listed) == len(set(listed))
    assert set(listed) == sim.unsettled(end)
    nets: Counter[str] = Counter()
    for r in rows:
        nets[r["currency"]] += minor(r["net"], r["currency"])
    ending = {
        cur: lines["ending_balance"]
        for cur, lines in balance_blocks(run(account_id, interval_start=a, interval_end=end)).items()
    }
    for cur in CURRENCIES:
        assert nets[cur] == ending.get(cur, 0) == sim.balance(cur, end), cur
    summary = category_summary(ENDING_SUMMARY, run(account_id, interval_end=end))
    assert {cur: line.net for (cur, cat), line in summary.items() if cat == "total"} == dict(nets)


def test_simulator_sweeps_manual_payouts_and_reversals_into_later_automatic_payouts():
    """The simulator itself: a failed payout's reversal and a manual payout are settled by the next payout."""
    plan = LedgerPlan(
        activity=[Activity("charge", "usd", 1, 0, 10000, 300, 0)],
        schedules=[],
        cutoffs=[Cutoff("usd", 5, 1, True, 2), Cutoff("usd", 60, 1, False, 0)],
        manuals=[Manual("usd", 30, 0, 2000)],
    )
    sim = simulate(plan)
    first, second = sim.automatic()
    assert (first.amount, first.status, first.settled) == (9700, "failed", ["txn_0"])
    # Second cutoff (hour 60): the reversal (back at hour 26) and the manual payout (hour 30).
    assert sorted(second.settled) == ["txn_po_manual_0", "txn_po_rev_0"]
    assert second.amount == 9700 - 2000
    assert first.effective_at == first.arrival
    assert sim.unsettled(second.arrival) == {"txn_po_manual_0", "txn_po_rev_0"}
    assert sim.unsettled(second.arrival + timedelta(seconds=1)) == set()
