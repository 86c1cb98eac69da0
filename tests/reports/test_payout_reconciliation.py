"""Each automatic payout is the net of what it settled: by its id, over an interval, and in the payouts report."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .reading import (
    BY_ID_ITEMIZED,
    BY_ID_SUMMARY,
    PAYOUTS_ITEMIZED,
    RECON_ITEMIZED,
    category_summary,
    minor,
    read,
    run,
)
from .simulator.ledgers import SETTINGS, draw_edges, new_ledger, plans
from .simulator.model import LedgerPlan

pytestmark = pytest.mark.django_db


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
