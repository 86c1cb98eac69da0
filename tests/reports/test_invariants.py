"""The three reports agree with each other, and with the ledger, on any small ledger and any interval."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.currencies import exponent
from reporting.reports import Params
from tests.factories import AccountFactory

from .builders import at, payout, payout_txn, reversal_txn, txn
from .reading import read

pytestmark = pytest.mark.django_db

SUMMARY = "balance.summary.1"
ACTIVITY = "balance_change_from_activity.itemized.1"
PAYOUTS = "payouts.itemized.1"
ORIGIN = at(2025, 3, 1)
HOURS = 24 * 20  # the random ledgers live in 20 days from ORIGIN


def summary(params: Params) -> dict[str, dict[str, Decimal]]:
    """{currency: {category: amount}}"""
    blocks: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in read(SUMMARY, params):
        blocks[row["currency"]][row["category"]] = Decimal(row["net_amount"])
    return blocks


def net_by_currency(report_type: str, params: Params) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in read(report_type, params):
        totals[row["currency"]] += Decimal(row["net"])
    return totals


def params(account_id: str, start: datetime, end: datetime, **kwargs) -> Params:
    return Params(
        account_id=account_id,
        livemode=False,
        interval_start=start,
        interval_end=end,
        **kwargs,
    )


def assert_consistent(account_id: str, start: datetime, end: datetime) -> dict[str, dict[str, Decimal]]:
    blocks = summary(params(account_id, start, end))
    activity = net_by_currency(ACTIVITY, params(account_id, start, end))
    payouts = net_by_currency(PAYOUTS, params(account_id, start, end))
    for currency, b in blocks.items():
        assert list(b) == [
            "starting_balance",
            "activity_gross",
            "activity_fee",
            "activity",
            "payouts_gross",
            "payouts_fee",
            "payouts",
            "ending_balance",
        ]
        assert b["activity"] == b["activity_gross"] + b["activity_fee"]
        assert b["payouts"] == b["payouts_gross"] + b["payouts_fee"]
        assert b["starting_balance"] + b["activity"] + b["payouts"] == b["ending_balance"]
        assert activity.get(currency, Decimal(0)) == b["activity"]
        assert payouts.get(currency, Decimal(0)) == -b["payouts"]
    # Nothing itemized in a currency the summary does not show.
    assert set(activity) <= set(blocks)
    assert set(payouts) <= set(blocks)
    return blocks


# On the golden ledger


def test_invariants_hold_on_golden_ledger(golden_account):
    march = assert_consistent(golden_account.id, at(2025, 3, 1), at(2025, 4, 1))
    april = assert_consistent(golden_account.id, at(2025, 4, 1), at(2025, 5, 1))

    assert sorted(march) == ["eur", "jpy", "usd"]
    assert sorted(april) == ["eur", "gbp", "jpy", "usd"]
    for currency in march:
        assert april[currency]["starting_balance"] == march[currency]["ending_balance"]
    assert april["gbp"]["starting_balance"] == 0


def test_invariants_two_halves_add_up_to_the_whole(golden_account):
    whole = summary(params(golden_account.id, at(2025, 3, 1), at(2025, 5, 1)))
    first = summary(params(golden_account.id, at(2025, 3, 1), at(2025, 4, 1)))
    second = summary(params(golden_account.id, at(2025, 4, 1), at(2025, 5, 1)))

    for currency, b in whole.items():
        for line in (
            "activity_gross",
            "activity_fee",
            "activity",
            "payouts_gross",
            "payouts",
        ):
            assert b[line] == first.get(currency, {}).get(line, 0) + second[currency][line]
        assert b["ending_balance"] == second[currency]["ending_balance"]


# Random ledgers


@dataclass(frozen=True)
class Entry:
    kind: str  # charge | refund | fee | dispute | other_adjustment | auto_payout | manual_payout | failed_payout
    currency: str
    hour: int  # hours after ORIGIN (ledger times fall on whole hours, so they hit interval bounds)
    minute: int  # 0 or a few minutes past the hour
    amount: int
    fee: int
    days: int  # automatic payouts: days until the arrival midnight; failed: hours until the reversal


entries = st.builds(
    Entry,
    kind=st.sampled_from(
        [
            "charge",
            "charge",
            "refund",
            "fee",
            "dispute",
            "other_adjustment",
            "auto_payout",
            "manual_payout",
            "failed_payout",
        ]
    ),
    currency=st.sampled_from(["usd", "jpy", "eur"]),
    hour=st.integers(-48, HOURS),
    minute=st.sampled_from([0, 0, 1, 59]),
    amount=st.integers(1, 10**7),
    fee=st.integers(0, 5000),
    days=st.integers(0, 4),
)


def build(account, ledger: list[Entry]) -> dict[str, list[tuple[datetime, int]]]:
    """Write the entries; return, per currency, the (balance date, net) of every transaction."""
    expected: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for i, e in enumerate(ledger):
        created = ORIGIN + timedelta(hours=e.hour, minutes=e.minute)
        if e.kind in ("auto_payout", "manual_payout", "failed_payout"):
            automatic = e.kind != "manual_payout"
            arrival = (created + timedelta(days=e.days + 1)).replace(hour=0, minute=0)
            po = payout(
                account,
                f"po_{i}",
                e.amount,
                e.currency,
                created,
                arrival,
                automatic=automatic,
                status="failed" if e.kind == "failed_payout" else "paid",
            )
            payout_txn(account, f"txn_po_{i}", po)
            expected[e.currency].append((po.effective_at, -e.amount))
            if e.kind == "failed_payout":
                back = po.effective_at + timedelta(hours=e.days + 1)
                reversal_txn(account, f"txn_rev_{i}", po, back)
                expected[e.currency].append((back, e.amount))
            continue
        sign = 1 if e.kind in ("charge", "other_adjustment") else -1
        fee = e.fee if e.kind in ("charge", "dispute") else 0
        txn(account, f"txn_{i}", e.kind, created, sign * e.amount, fee, e.currency, None)
        expected[e.currency].append((created, sign * e.amount - fee))
    return expected


def major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # examples: the profile's
@given(
    ledger=st.lists(entries, max_size=12),
    bounds=st.lists(st.integers(-24, HOURS + 24), min_size=3, max_size=3, unique=True).map(sorted),
    offsets=st.tuples(*[st.sampled_from([0, 0, 0, 60, 59 * 60]) for _ in range(3)]),
)
def test_invariants_random_ledgers(ledger, bounds, offsets):
    account = AccountFactory()
    expected = build(account, ledger)
    a, b, c = (ORIGIN + timedelta(hours=h, seconds=s) for h, s in zip(bounds, offsets, strict=True))
    assert a < b < c

    first = assert_consistent(account.id, a, b)
    second = assert_consistent(account.id, b, c)

    for currency, movements in expected.items():
        # The oracle: a currency has a block when it has any transaction before the end,
        # and its balance at a moment is the sum of every net dated before that moment.
        for blocks, start, end in ((first, a, b), (second, b, c)):
            if any(when < end for when, _ in movements):
                assert blocks[currency]["starting_balance"] == major(
                    sum(n for when, n in movements if when < start), currency
                )
                assert blocks[currency]["ending_balance"] == major(
                    sum(n for when, n in movements if when < end), currency
                )
            else:
                assert currency not in blocks
        if currency in first:
            assert second[currency]["starting_balance"] == first[currency]["ending_balance"]
