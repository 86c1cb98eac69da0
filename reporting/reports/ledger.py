"""The ledger a report reads: one account's balance transactions in one mode, as a run's parameters filter them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from reporting.models import BalanceTransaction

if TYPE_CHECKING:
    from .base import Params


def ledger(params: Params) -> QuerySet[BalanceTransaction]:
    """Return the run's balance transactions, of every date, in its currency and reporting category if it names them."""
    qs = BalanceTransaction.objects.filter(account_id=params.account_id, livemode=params.livemode)
    if params.currency:
        qs = qs.filter(currency=params.currency)
    if params.reporting_category:
        qs = qs.filter(reporting_category=params.reporting_category)
    return qs


def in_interval(qs: QuerySet[BalanceTransaction], params: Params) -> QuerySet[BalanceTransaction]:
    """Keep the transactions dated in [interval_start, interval_end), by the balance family's date."""
    return qs.filter(effective_at__gte=params.interval_start, effective_at__lt=params.interval_end)
