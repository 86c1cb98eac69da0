"""The balance, payout and reconciliation reports agree with each other and with a simulated ledger.

The ledgers come from a simulator (simulator/), which keeps its own books.

Every expectation below comes either from another report (the families must
agree, with the signs real files have) or from the simulator's own bookkeeping,
never from the queries under test. Amounts are compared in minor units, parsed
from the CSV cells the reports write.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporting.reports import get_report

from .reading import (
    ACTIVITY_ITEMIZED,
    ACTIVITY_SUMMARY,
    BY_ID_ITEMIZED,
    BY_ID_SUMMARY,
    ENDING_ITEMIZED,
    ENDING_SUMMARY,
    PAYOUTS_ITEMIZED,
    PAYOUTS_SUMMARY,
    RECON_ITEMIZED,
    RECON_SUMMARY,
    Line,
    add,
    balance_blocks,
    category_summary,
    itemized_sums,
    read,
    run,
)
from .simulator.ledgers import SETTINGS, draw_edges, new_ledger, plans
from .simulator.model import CURRENCIES, Activity, Cutoff, LedgerPlan, Manual, sim_lines, simulate

pytestmark = pytest.mark.django_db

ZONES = ["Etc/UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]
BALANCE_LINES = ["activity_gross", "activity_fee", "activity", "payouts_gross", "payouts_fee", "payouts"]


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
