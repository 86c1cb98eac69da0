"""The daily totals: they follow the (append-only) ledger, equal a full scan, and the balance summary reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import DatabaseError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.categories import PAYOUT_CATEGORIES
from reporting.models import BalanceTransaction, DailyTotal
from reporting.reports import Params
from reporting.reports.totals import Totals, totals
from tests.conftest import examples
from tests.factories import AccountFactory, BalanceTransactionFactory

pytestmark = pytest.mark.django_db

BASE = datetime(2025, 3, 1, tzinfo=UTC)
CATEGORIES = ["charge", "refund", "fee", "payout", "payout_reversal", "other_adjustment"]


def full_scan(account, lo, hi, currency=None):
    """The same sums the slow way: every transaction, in Python."""
    result: dict[str, Totals] = {}
    for txn in BalanceTransaction.objects.filter(account=account, livemode=False):
        if (lo is not None and txn.effective_at < lo) or txn.effective_at >= hi:
            continue
        if currency and txn.currency != currency:
            continue
        t = result.setdefault(txn.currency, Totals())
        if txn.reporting_category in PAYOUT_CATEGORIES:
            t.payouts_gross += txn.amount
            t.payouts_fee += txn.fee
        else:
            t.activity_gross += txn.amount
            t.activity_fee += txn.fee
    return result


ledger_rows = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10 * 24 * 3600 - 1),  # seconds after BASE
        st.sampled_from(["usd", "jpy", "eur"]),
        st.sampled_from(CATEGORIES),
        st.integers(min_value=-(10**9), max_value=10**9),
        st.integers(min_value=0, max_value=10**6),
    ),
    max_size=25,
)
# Interval edges anywhere, on midnights and on transaction times alike.
edge = st.one_of(st.integers(min_value=-3600, max_value=11 * 24 * 3600), st.integers(0, 11).map(lambda d: d * 86400))


# Twice the profile's count: an example costs a few inserts and two sums, and the edges
# (open start, midnights, a currency filter) combine in many ways.
@settings(
    max_examples=examples(2),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=ledger_rows, a=edge, b=edge, open_start=st.booleans(), currency=st.sampled_from([None, "usd", "jpy"]))
def test_totals_from_daily_rollups_equal_a_full_scan(rows, a, b, open_start, currency):
    account = AccountFactory()
    for seconds, cur, category, amount, fee in rows:
        moment = BASE + timedelta(seconds=seconds, microseconds=seconds % 7)
        BalanceTransactionFactory(
            account=account, currency=cur, reporting_category=category, amount=amount, fee=fee, created=moment
        )
    lo, hi = sorted((BASE + timedelta(seconds=a), BASE + timedelta(seconds=b)))
    lo = None if open_start else lo
    params = Params(account_id=account.id, livemode=False, currency=currency)

    fast = totals(params, lo, hi)

    assert fast == full_scan(account, lo, hi, currency)


def test_daily_totals_follow_inserts_and_deletes(account):
    BalanceTransactionFactory(account=account, amount=1000, fee=30, created=datetime(2025, 3, 1, 23, tzinfo=UTC))
    BalanceTransactionFactory(account=account, amount=500, fee=0, created=datetime(2025, 3, 1, 1, tzinfo=UTC))
    BalanceTransactionFactory(account=account, amount=-200, fee=0, reporting_category="refund")

    BalanceTransaction.objects.filter(account=account, reporting_category="refund").delete()

    rows = list(
        DailyTotal.objects.filter(account=account).values("day", "reporting_category", "count", "amount", "fee", "net")
    )
    assert rows == [
        {"day": date(2025, 3, 1), "reporting_category": "charge", "count": 2, "amount": 1500, "fee": 30, "net": 1470}
    ]


def test_ledger_amounts_cannot_change_in_place(account):
    txn = BalanceTransactionFactory(account=account)

    with pytest.raises(DatabaseError), transaction.atomic():
        BalanceTransaction.objects.filter(pk=txn.pk).update(amount=1, net=1 - txn.fee)

    assert DailyTotal.objects.get(account=account).amount == txn.amount


def test_summary_reads_rollups_not_rows(account, django_assert_max_num_queries):
    from reporting.reports import get_report

    for day in range(60):
        BalanceTransactionFactory(account=account, created=BASE + timedelta(days=day, hours=12))
    params = Params(
        account_id=account.id,
        livemode=False,
        interval_start=BASE + timedelta(days=10),
        interval_end=BASE + timedelta(days=40),
    )
    rows_scanned: list[str] = []

    with django_assert_max_num_queries(6) as queries:
        list(get_report("balance.summary.1").rows(params, []))

    rows_scanned = [q["sql"] for q in queries.captured_queries if "reporting_balancetransaction" in q["sql"]]
    assert rows_scanned == []  # midnight-aligned interval: whole days only
