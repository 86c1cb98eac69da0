"""Writing a simulated ledger to the database, and the strategies that draw its plan and interval edges."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

from reporting.models import BalanceTransaction, Payout
from tests.factories import AccountFactory
from tests.reports.builders import TYPES

from .model import CURRENCIES, DAYS, ORIGIN, Activity, Cutoff, LedgerPlan, Manual, Schedule, Sim, simulate


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


SETTINGS = settings(  # examples: the profile's (tests/conftest.py)
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
