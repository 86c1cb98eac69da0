"""Sums of the ledger over an interval, per currency, split into activity and payouts.

Whole UTC days come from the daily totals (kept by triggers); only the partial
days at the interval's edges are read from the ledger itself. A summary over a
year thus reads about 365 small rows per currency and category, however many
transactions the year holds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from reporting.categories import PAYOUT_CATEGORIES
from reporting.models import DailyTotal

from .ledger import ledger, scope

if TYPE_CHECKING:
    from .base import Params


@dataclass
class Totals:
    activity_gross: int = 0
    activity_fee: int = 0
    payouts_gross: int = 0
    payouts_fee: int = 0

    @property
    def net(self) -> int:
        return self.activity_gross - self.activity_fee + self.payouts_gross - self.payouts_fee


@dataclass
class Sums:
    count: int = 0
    amount: int = 0
    fee: int = 0
    net: int = 0

    def add(self, other: Sums) -> None:
        self.count += other.count
        self.amount += other.amount
        self.fee += other.fee
        self.net += other.net


Key = tuple[str, str]  # (currency, reporting_category)


def sums_of(queryset: QuerySet[Any], count: Any = None) -> dict[Key, Sums]:
    """Sum a ledger (or daily totals) queryset per currency and reporting category.

    `count` counts each group's transactions: the default counts rows; daily totals pass Sum("count").
    """
    rows = (
        queryset.order_by()
        .values_list("currency", "reporting_category")
        .annotate(count=count or Count("id"), amount=Sum("amount"), fee=Sum("fee"), net=Sum("net"))
    )
    return {(currency, category): Sums(*values) for currency, category, *values in rows}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def sums_by_category(params: Params, lo: datetime | None, hi: datetime) -> dict[Key, Sums]:
    """Sum transactions with lo <= effective_at < hi (lo None: since the beginning), per (currency, category)."""
    transactions = ledger(params)
    # Whole UTC days inside [lo, hi): [first_day, last_day).
    last_day = hi.astimezone(UTC).date()
    first_day = None
    if lo is not None:
        lo_utc = lo.astimezone(UTC)
        first_day = lo_utc.date() if lo_utc.time() == time() else lo_utc.date() + timedelta(days=1)
    parts: list[dict[Key, Sums]] = []
    if first_day is not None and first_day >= last_day:
        parts.append(sums_of(transactions.filter(effective_at__gte=lo, effective_at__lt=hi)))
    else:
        days = DailyTotal.objects.filter(**scope(params), day__lt=last_day)
        parts.append(sums_of(days if first_day is None else days.filter(day__gte=first_day), Sum("count")))
        if lo is not None and first_day is not None and lo < _midnight(first_day):
            parts.append(sums_of(transactions.filter(effective_at__gte=lo, effective_at__lt=_midnight(first_day))))
        if _midnight(last_day) < hi:
            parts.append(sums_of(transactions.filter(effective_at__gte=_midnight(last_day), effective_at__lt=hi)))
    result: dict[Key, Sums] = defaultdict(Sums)
    for part in parts:
        for key, s in part.items():
            result[key].add(s)
    return dict(result)


def rows_per_day(params: Params, lo: datetime | None, hi: datetime, where: Q | None = None) -> list[tuple[date, int]]:
    """Count the ledger rows of each UTC day that [lo, hi) touches (lo None: every day before hi), by day.

    From the daily totals, without reading a ledger row: the days at the edges count
    whole, so the sum is an upper bound on the rows dated in [lo, hi). `where`
    narrows the totals (the run's currency and category, one side of the categories).
    """
    last = (hi - timedelta(microseconds=1)).astimezone(UTC).date()
    days = DailyTotal.objects.filter(account_id=params.account_id, livemode=params.livemode, day__lte=last)
    if lo is not None:
        days = days.filter(day__gte=lo.astimezone(UTC).date())
    if where is not None:
        days = days.filter(where)
    return list(days.values_list("day").annotate(rows=Sum("count")).order_by("day"))


def rows_in(params: Params, lo: datetime | None, hi: datetime, where: Q | None = None) -> int:
    """Count the run's ledger rows (its currency and category, where it names them) of the UTC days [lo, hi) touches."""
    scoped = Q(**scope(params)) if where is None else Q(**scope(params)) & where
    return sum(rows for _, rows in rows_per_day(params, lo, hi, scoped))


def rows_on_side(params: Params, *, payouts: bool) -> int:
    """Count the run's transactions in its interval on one side of the categories: payouts, or activity.

    Exact: the whole days from the daily totals, the partial days at the edges from the ledger
    (as the summaries count them), so an itemized run knows its rows before reading one.
    """
    assert params.interval_start is not None
    assert params.interval_end is not None
    sums = sums_by_category(params, params.interval_start, params.interval_end)
    return sum(s.count for (_, category), s in sums.items() if (category in PAYOUT_CATEGORIES) == payouts)


def totals(params: Params, lo: datetime | None, hi: datetime) -> dict[str, Totals]:
    """Sum transactions with lo <= effective_at < hi per currency, split into activity and payouts."""
    result: dict[str, Totals] = defaultdict(Totals)
    for (currency, category), s in sums_by_category(params, lo, hi).items():
        t = result[currency]
        if category in PAYOUT_CATEGORIES:
            t.payouts_gross += s.amount
            t.payouts_fee += s.fee
        else:
            t.activity_gross += s.amount
            t.activity_fee += s.fee
    return dict(result)


def monthly_activity(account_id: str, livemode: bool, last_month: date, months: int = 12) -> dict[str, list[int]]:
    """Activity (net of everything but payouts) per currency for each of the `months` UTC months up to `last_month`.

    From the daily totals alone: a year is at most ~365 rows per currency and category.
    Each currency's list has one amount (minor units) per month, oldest first, 0 for a month without activity.
    """
    first = _months_before(last_month.replace(day=1), months - 1)
    end = _months_before(first, -months)
    rows = (
        DailyTotal.objects.filter(account_id=account_id, livemode=livemode, day__gte=first, day__lt=end)
        .exclude(reporting_category__in=PAYOUT_CATEGORIES)
        .order_by()
        .annotate(month=TruncMonth("day"))
        .values_list("currency", "month")
        .annotate(net=Sum("net"))
    )
    result: dict[str, list[int]] = {}
    for currency, month, net in rows:
        index = (month.year - first.year) * 12 + month.month - first.month
        result.setdefault(currency, [0] * months)[index] += net
    return dict(sorted(result.items()))


def _months_before(month: date, n: int) -> date:
    """The first day of the month `n` months before `month` (after it, for negative n)."""
    index = month.year * 12 + month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)
