"""The generated payouts: automatic ones settle what was available by arrival, a failed one, manual ones."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from django.db.models import Sum

from reporting.models import BalanceTransaction, Payout

pytestmark = pytest.mark.django_db


def test_generate_ledger_dates_only_automatic_payouts_by_arrival(txns):
    moved_by_automatic = [t for t in txns if t.reporting_category == "payout" and t.payout.automatic]
    others = [t for t in txns if not (t.reporting_category == "payout" and t.payout.automatic)]

    assert moved_by_automatic
    assert all(t.effective_at == t.available_on == t.payout.arrival_date for t in moved_by_automatic)
    assert all(t.created == t.effective_at - timedelta(days=2) for t in moved_by_automatic)
    assert all(t.effective_at == t.created for t in others)


def test_automatic_payouts_equal_their_transaction_and_what_they_settled(ledger_account):
    payouts = Payout.objects.for_mode(ledger_account, False).filter(automatic=True)
    own = dict(
        BalanceTransaction.objects.filter(payout__in=payouts, reporting_category="payout").values_list(
            "payout_id", "amount"
        )
    )
    settled = dict(
        BalanceTransaction.objects.filter(automatic_payout__in=payouts)
        .values("automatic_payout_id")
        .annotate(total=Sum("net"))
        .values_list("automatic_payout_id", "total")
    )

    assert len(payouts) > 50
    for payout in payouts:
        assert payout.amount > 0
        assert payout.amount == -own[payout.pk] == settled[payout.pk], payout.stripe_id
        assert payout.effective_at == payout.arrival_date


def test_automatic_payouts_settle_only_what_was_available_by_arrival(txns):
    settled = [t for t in txns if t.automatic_payout_id]

    assert settled
    assert all(t.available_on <= t.automatic_payout.arrival_date for t in settled)
    assert not any(t.reporting_category == "payout" and t.automatic_payout_id == t.payout_id for t in settled)


def test_balance_never_goes_negative_after_a_payout(txns):
    balance = defaultdict(int)
    after_payouts = []

    for t in txns:
        balance[t.currency] += t.net
        if t.reporting_category == "payout":
            after_payouts.append(balance[t.currency])

    assert after_payouts
    assert min(after_payouts) >= 0


def test_failed_payout_comes_back_and_a_later_payout_settles_it(ledger_account, txns):
    failed = Payout.objects.for_mode(ledger_account, False).filter(status=Payout.Status.FAILED).first()
    reversal = next(t for t in txns if t.reporting_category == "payout_reversal" and t.payout_id == failed.pk)

    assert failed.reversed_at == reversal.created == reversal.effective_at
    assert reversal.amount == failed.amount
    assert reversal.automatic_payout.effective_at > reversal.created


def test_manual_payouts_are_dated_when_created_and_settle_nothing(ledger_account):
    manual = list(Payout.objects.for_mode(ledger_account, False).filter(automatic=False))

    assert len(manual) == 2
    for payout in manual:
        own = BalanceTransaction.objects.get(payout=payout)
        assert payout.effective_at == payout.created == own.effective_at
        assert own.amount == -payout.amount
        assert not payout.settled_transactions.exists()
