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
from typing import Any

from django.db.models import Q, QuerySet, Sum

from reporting.models import BalanceTransaction, DailyTotal

from .base import Params

# Payouts (and failed payouts coming back) are not "activity" (design.md).
PAYOUT_CATEGORIES = ("payout", "payout_reversal")


@dataclass
class Totals:
    activity_gross: int = 0
    activity_fee: int = 0
    payouts_gross: int = 0
    payouts_fee: int = 0

    @property
    def net(self) -> int:
        return self.activity_gross - self.activity_fee + self.payouts_gross - self.payouts_fee


def _sums(queryset: QuerySet[Any]) -> list[dict[str, Any]]:
    is_payout = Q(reporting_category__in=PAYOUT_CATEGORIES)
    return list(
        queryset.values("currency")
        .order_by("currency")
        .annotate(
            activity_gross=Sum("amount", filter=~is_payout, default=0),
            activity_fee=Sum("fee", filter=~is_payout, default=0),
            payouts_gross=Sum("amount", filter=is_payout, default=0),
            payouts_fee=Sum("fee", filter=is_payout, default=0),
        )
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def totals(params: Params, lo: datetime | None, hi: datetime) -> dict[str, Totals]:
    """Sum transactions with lo <= effective_at < hi (lo None: since the beginning)."""
    scope: dict[str, Any] = {"account_id": params.account_id, "livemode": params.livemode}
    if params.currency:
        scope["currency"] = params.currency
    ledger = BalanceTransaction.objects.filter(**scope)
    # Whole UTC days inside [lo, hi): [first_day, last_day).
    last_day = hi.astimezone(UTC).date()
    first_day = None
    if lo is not None:
        lo_utc = lo.astimezone(UTC)
        first_day = lo_utc.date() if lo_utc.time() == time() else lo_utc.date() + timedelta(days=1)
    parts: list[QuerySet[Any]] = []
    if first_day is not None and first_day >= last_day:
        parts.append(ledger.filter(effective_at__gte=lo, effective_at__lt=hi))
    else:
        days = DailyTotal.objects.filter(**scope, day__lt=last_day)
        parts.append(days if first_day is None else days.filter(day__gte=first_day))
        if lo is not None and first_day is not None and lo < _midnight(first_day):
            parts.append(ledger.filter(effective_at__gte=lo, effective_at__lt=_midnight(first_day)))
        if _midnight(last_day) < hi:
            parts.append(ledger.filter(effective_at__gte=_midnight(last_day), effective_at__lt=hi))
    result: dict[str, Totals] = defaultdict(Totals)
    for part in parts:
        for row in _sums(part):
            t = result[row["currency"]]
            t.activity_gross += row["activity_gross"]
            t.activity_fee += row["activity_fee"]
            t.payouts_gross += row["payouts_gross"]
            t.payouts_fee += row["payouts_fee"]
    return dict(result)
