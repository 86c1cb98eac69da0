"""Reconciliation families: which transactions each automatic payout settled, and
which are still in the balance at a given time.

- `payout_reconciliation.*`: the transactions settled by the automatic payouts
  whose funds arrive (`automatic_payout_effective_at`) in the interval; the
  nets of one payout's rows add up to the payout's amount.
- `payout_reconciliation.by_id.*`: the same for the one payout in `payout`.
- `ending_balance_reconciliation.*`: at `interval_end` T, the transactions
  dated before T that no automatic payout arriving before T has settled. They
  add up to the balance summary's ending balance at T: every payout arriving
  before T took out exactly the transactions it settled.

Signs are the balance's, as in the itemized balance change (charges positive).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from reporting.models import BalanceTransaction, Payout

from .base import ITEMIZED, ITEMIZED_TZ, ItemizedReport, Params
from .columns import TRANSACTION_COLUMNS
from .documented import NINE, SETTLED
from .ledger import ledger
from .summaries import CategorySummary
from .totals import Key, Sums, rows_in, sums_of

# Settled rows are listed payout by payout, in order of arrival (payouts arriving together
# by Stripe id, so the order is the data's, not the database's), then in ledger order.
_BY_PAYOUT = ("automatic_payout__effective_at", "automatic_payout__stripe_id", "effective_at", "pk")


def settled_in_interval(params: Params) -> QuerySet[BalanceTransaction]:
    """Return the transactions settled by the automatic payouts arriving in the interval."""
    return ledger(params).filter(
        automatic_payout__effective_at__gte=params.interval_start,
        automatic_payout__effective_at__lt=params.interval_end,
    )


def settled_by(params: Params) -> QuerySet[BalanceTransaction]:
    """Return the transactions the automatic payout `params.payout` settled."""
    return ledger(params).filter(automatic_payout__stripe_id=params.payout)


def unsettled_at(params: Params) -> QuerySet[BalanceTransaction]:
    """Return the transactions dated before interval_end that no automatic payout arriving before it settled."""
    end = params.interval_end
    return (
        ledger(params)
        .filter(effective_at__lt=end)
        .filter(Q(automatic_payout__isnull=True) | Q(automatic_payout__effective_at__gte=end))
        # An automatic payout's own transaction is the other side of what it settled.
        .exclude(reporting_category="payout", payout__automatic=True)
    )


def rows_before(params: Params, end: datetime | None) -> int:
    """Count the transactions dated before `end` (a run's expected rows, services.queues).

    Every reconciliation lists some of them: a transaction is settled by a payout
    that arrives after it, and the ending balance is made of what came before
    `end`. Finding which ones joins each to its payout, and the database may go
    through all of them to do it (SQLite does: a one-month payout reconciliation
    summary took 3.3 s on a ledger of 1M rows), so they all count.
    """
    return 0 if end is None else rows_in(params, None, end)


def payout_arrival(params: Params) -> datetime | None:
    """Return when the automatic payout `params.payout` arrives (its funds leave the balance); None if unknown."""
    arrival: datetime | None = (
        Payout.objects.filter(account_id=params.account_id, livemode=params.livemode, stripe_id=params.payout)
        .values_list("effective_at", flat=True)
        .first()
    )
    return arrival


# --- payout_reconciliation: automatic payouts arriving in the interval ---------------------------


class PayoutReconciliationSummary(CategorySummary):
    """Per category and currency, what the automatic payouts arriving in the interval settled."""

    id = "payout_reconciliation.summary.1"
    name = "Payout reconciliation summary"
    question = gettext_noop("What did the payouts that reached my bank in this period consist of, by category?")

    def sums(self, params: Params) -> dict[Key, Sums]:
        return sums_of(settled_in_interval(params))

    def expected_rows(self, params: Params) -> int:
        return rows_before(params, params.interval_end)


class PayoutReconciliationItemized(ItemizedReport):
    """Version 1: each transaction settled by an automatic payout arriving in the interval."""

    id = "payout_reconciliation.itemized.1"
    name = "Itemized payout reconciliation"
    question = gettext_noop("Which transactions made up each payout that reached my bank in this period?")
    parameters = ITEMIZED
    pool = TRANSACTION_COLUMNS
    default_set = SETTLED
    ordering = _BY_PAYOUT

    def queryset(self, params: Params) -> QuerySet[BalanceTransaction]:
        return settled_in_interval(params)

    def expected_rows(self, params: Params) -> int:
        return rows_before(params, params.interval_end)


class PayoutReconciliationItemized2(PayoutReconciliationItemized):
    """Version 2: adds the metadata columns."""

    id = "payout_reconciliation.itemized.2"


class PayoutReconciliationItemized3(PayoutReconciliationItemized2):
    """Version 3: adds the customer's, shipping and card addresses, order, dispute, Connect and regulatory columns."""

    id = "payout_reconciliation.itemized.3"


class PayoutReconciliationItemized4(PayoutReconciliationItemized2):
    """Version 4: each timestamp in the run's timezone too, but without version 3's addresses (Stripe's pages)."""

    id = "payout_reconciliation.itemized.4"
    parameters = ITEMIZED_TZ


class PayoutReconciliationItemized5(PayoutReconciliationItemized4):
    """Version 5: version 4 with version 3's columns back, the settling payout first."""

    id = "payout_reconciliation.itemized.5"


# --- payout_reconciliation.by_id: one payout -------------------------------------------------------

_BY_ID: tuple[str, ...] = ("payout", "reporting_category", "decimal_separator", "columns")


class PayoutReconciliationByIdSummary(CategorySummary):
    """Per category and currency, what one automatic payout settled."""

    id = "payout_reconciliation.by_id.summary.1"
    name = "Payout reconciliation summary for one payout"
    question = gettext_noop("What did this one payout consist of, by category?")
    parameters: ClassVar[tuple[str, ...]] = ("payout", "columns")
    required = ("payout",)

    def sums(self, params: Params) -> dict[Key, Sums]:
        return sums_of(settled_by(params))

    def expected_rows(self, params: Params) -> int:
        return rows_before(params, payout_arrival(params))


class PayoutReconciliationByIdItemized(PayoutReconciliationItemized):
    """Version 1: each transaction one automatic payout settled."""

    id = "payout_reconciliation.by_id.itemized.1"
    name = "Itemized reconciliation for one payout"
    question = gettext_noop("Which transactions made up this one payout?")
    parameters = _BY_ID
    required = ("payout",)

    def queryset(self, params: Params) -> QuerySet[BalanceTransaction]:
        return settled_by(params)

    def expected_rows(self, params: Params) -> int:
        return rows_before(params, payout_arrival(params))


class PayoutReconciliationByIdItemized2(PayoutReconciliationByIdItemized):
    id = "payout_reconciliation.by_id.itemized.2"


class PayoutReconciliationByIdItemized3(PayoutReconciliationByIdItemized2):
    """Version 3: adds shipping, dispute, Connect and regulatory columns, and takes no metadata columns."""

    id = "payout_reconciliation.by_id.itemized.3"


class PayoutReconciliationByIdItemized4(PayoutReconciliationByIdItemized2):
    id = "payout_reconciliation.by_id.itemized.4"
    parameters = ("payout", "reporting_category", "timezone", "decimal_separator", "columns")


# --- ending_balance_reconciliation: what is still in the balance at interval_end -----------------

_ENDING: tuple[str, ...] = ("interval_end", "currency", "reporting_category", "columns")


class EndingBalanceReconciliationSummary(CategorySummary):
    """Per category and currency, the transactions that make up the balance at interval_end."""

    id = "ending_balance_reconciliation.summary.1"
    name = "Ending balance reconciliation summary"
    question = gettext_noop("What makes up my balance at this moment, by category: what has no payout taken out yet?")
    parameters: ClassVar[tuple[str, ...]] = ("interval_end", "currency", "timezone", "columns")
    required = ("interval_end",)

    def sums(self, params: Params) -> dict[Key, Sums]:
        return sums_of(unsettled_at(params))

    def expected_rows(self, params: Params) -> int:
        return rows_before(params, params.interval_end)


class EndingBalanceReconciliationItemized(ItemizedReport):
    """Version 1: each transaction still in the balance at interval_end (UTC)."""

    id = "ending_balance_reconciliation.itemized.1"
    name = "Itemized ending balance reconciliation"
    question = gettext_noop("Which transactions are still in my balance at this moment, not yet paid out?")
    parameters = _ENDING
    required = ("interval_end",)
    pool = TRANSACTION_COLUMNS
    default_set = NINE

    def queryset(self, params: Params) -> QuerySet[BalanceTransaction]:
        return unsettled_at(params)

    def expected_rows(self, params: Params) -> int:
        return rows_before(params, params.interval_end)


class EndingBalanceReconciliationItemized2(EndingBalanceReconciliationItemized):
    """Version 2: adds the customer's, card and regulatory columns, and metadata columns."""

    id = "ending_balance_reconciliation.itemized.2"


class EndingBalanceReconciliationItemized3(EndingBalanceReconciliationItemized2):
    """Version 3: each timestamp in the run's timezone too, but without version 2's addresses (Stripe's pages)."""

    id = "ending_balance_reconciliation.itemized.3"
    parameters: ClassVar[tuple[str, ...]] = ("interval_end", "currency", "reporting_category", "timezone", "columns")


class EndingBalanceReconciliationItemized4(EndingBalanceReconciliationItemized3):
    """Version 4: version 3 with version 2's columns back, the settling payout first, and `decimal_separator`."""

    id = "ending_balance_reconciliation.itemized.4"
    parameters = ("interval_end", "currency", "reporting_category", "timezone", "decimal_separator", "columns")
