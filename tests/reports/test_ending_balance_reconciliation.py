"""The ending balance reconciliation lists what no automatic payout has taken out yet."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .reading import (
    ENDING_ITEMIZED,
    ENDING_SUMMARY,
    balance_blocks,
    category_summary,
    minor,
    read,
    run,
)
from .simulator.ledgers import SETTINGS, draw_edges, new_ledger, plans
from .simulator.model import CURRENCIES, LedgerPlan

pytestmark = pytest.mark.django_db


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
