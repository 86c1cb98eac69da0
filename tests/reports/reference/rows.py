"""Which transactions each kind of report lists, and in which order, read with ordinary ORM loops."""

from __future__ import annotations

from reporting.models import BalanceTransaction
from reporting.reports import Params

from .catalogue import PAYOUT_CATEGORIES


def _account_ledger(params: Params) -> list[BalanceTransaction]:
    """Every transaction of the account's mode, with currency and category filters applied in Python."""
    everything = BalanceTransaction.objects.filter(
        account_id=params.account_id, livemode=params.livemode
    ).select_related("payout", "automatic_payout")
    kept = []
    for t in everything:
        if params.currency and t.currency != params.currency:
            continue
        if params.reporting_category and t.reporting_category != params.reporting_category:
            continue
        kept.append(t)
    return kept


def _in_interval(rows: list[BalanceTransaction], params: Params) -> list[BalanceTransaction]:
    start, end = params.interval_start, params.interval_end
    assert start is not None
    assert end is not None
    inside = [t for t in rows if start <= t.effective_at < end]
    return sorted(inside, key=lambda t: (t.effective_at, t.pk))


def _by_payout(rows: list[BalanceTransaction]) -> list[BalanceTransaction]:
    # Payout by payout in order of arrival (ties: the payout made first), then in ledger order.
    return sorted(
        rows, key=lambda t: (t.automatic_payout.effective_at, t.automatic_payout.stripe_id, t.effective_at, t.pk)
    )


def _settled_in_interval(params: Params) -> list[BalanceTransaction]:
    start, end = params.interval_start, params.interval_end
    assert start is not None
    assert end is not None
    return _by_payout(
        [
            t
            for t in _account_ledger(params)
            if t.automatic_payout is not None and start <= t.automatic_payout.effective_at < end
        ]
    )


def _settled_by(params: Params) -> list[BalanceTransaction]:
    return _by_payout(
        [
            t
            for t in _account_ledger(params)
            if t.automatic_payout is not None and t.automatic_payout.stripe_id == params.payout
        ]
    )


def _unsettled_at(params: Params) -> list[BalanceTransaction]:
    """Dated before interval_end, and not yet taken out of the balance by an automatic payout that left before it.

    An automatic payout's own transaction is the other side of what it settled, so it is never listed.
    """
    end = params.interval_end
    assert end is not None
    kept = []
    for t in _account_ledger(params):
        if t.effective_at >= end:
            continue
        if t.automatic_payout is not None and t.automatic_payout.effective_at < end:
            continue
        if t.reporting_category == "payout" and t.payout is not None and t.payout.automatic:
            continue
        kept.append(t)
    return sorted(kept, key=lambda t: (t.effective_at, t.pk))


def _rows(kind: str, params: Params) -> list[BalanceTransaction]:
    if kind == "activity":
        return [
            t for t in _in_interval(_account_ledger(params), params) if t.reporting_category not in PAYOUT_CATEGORIES
        ]
    if kind == "payouts":
        return [t for t in _in_interval(_account_ledger(params), params) if t.reporting_category in PAYOUT_CATEGORIES]
    if kind == "settled_in_interval":
        return _settled_in_interval(params)
    if kind == "settled_by":
        return _settled_by(params)
    assert kind == "unsettled_at"
    return _unsettled_at(params)
