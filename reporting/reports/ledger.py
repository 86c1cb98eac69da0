"""The ledger a report reads: one account's balance transactions in one mode, as a run's parameters filter them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from reporting.models import BalanceTransaction

if TYPE_CHECKING:
    from .base import Params


def scope(params: Params) -> dict[str, Any]:
    """Return the filters on account and mode, and on currency and reporting category where the run names them.

    The ledger and its daily totals share these fields, so both are filtered with them.
    """
    filters: dict[str, Any] = {"account_id": params.account_id, "livemode": params.livemode}
    if params.currency:
        filters["currency"] = params.currency
    if params.reporting_category:
        filters["reporting_category"] = params.reporting_category
    return filters


def ledger(params: Params) -> QuerySet[BalanceTransaction]:
    """Return the run's balance transactions, of every date."""
    return BalanceTransaction.objects.filter(**scope(params))


def in_interval(qs: QuerySet[BalanceTransaction], params: Params) -> QuerySet[BalanceTransaction]:
    """Keep the transactions dated in [interval_start, interval_end), by the balance family's date."""
    return qs.filter(effective_at__gte=params.interval_start, effective_at__lt=params.interval_end)
