"""Balance family: the balance summary and the itemized balance change from activity."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from reporting.categories import PAYOUT_CATEGORIES
from reporting.models import BalanceTransaction

from .base import ITEMIZED, ITEMIZED_TZ, Column, ItemizedReport, Params, SummaryReport, last_day
from .columns import TRANSACTION_COLUMNS
from .documented import NINE
from .formats import Row, money, text
from .ledger import in_interval, ledger
from .summaries import CategorySummary
from .totals import Totals, rows_in, rows_on_side, totals


class BalanceSummary(SummaryReport):
    """Starting balance, activity, payouts and ending balance, per currency."""

    id = "balance.summary.1"
    name = "Balance summary"
    question = gettext_noop("What was my balance at the start and end of the period, and what moved it?")
    parameters = ("interval_start", "interval_end", "currency", "timezone", "columns")
    pool = {
        c.name: c
        for c in (
            Column("category", text("category")),
            Column("description", text("description")),
            Column("net_amount", money("net_amount")),
            Column("currency", text("currency")),
        )
    }

    def expected_rows(self, params: Params) -> int:
        return 0  # the daily totals, and the ledger only for the partial days at the edges, summed by the database

    def rows(self, params: Params, fields: Sequence[str]) -> Iterator[Row]:
        start, end = params.interval_start, params.interval_end
        assert start is not None
        assert end is not None
        before, during = totals(params, None, start), totals(params, start, end)
        first = start.astimezone(params.timezone).date()
        last = last_day(end, params.timezone)
        # Every currency with any transaction before the end gets its block of eight lines.
        for currency in sorted(before.keys() | during.keys()):
            starting = before[currency].net if currency in before else 0
            t = during.get(currency, Totals())
            activity = t.activity_gross - t.activity_fee
            payouts = t.payouts_gross - t.payouts_fee
            lines = [
                ("starting_balance", f"Starting balance ({first:%Y-%m-%d})", starting),
                ("activity_gross", "Account activity before fees", t.activity_gross),
                ("activity_fee", "Less fees", -t.activity_fee),
                ("activity", "Activity", activity),
                ("payouts_gross", "Payouts to bank", t.payouts_gross),
                ("payouts_fee", "Payout fees", -t.payouts_fee),
                ("payouts", "Total payouts", payouts),
                ("ending_balance", f"Ending balance ({last:%Y-%m-%d})", starting + activity + payouts),
            ]
            for category, description, amount in lines:
                yield {"category": category, "description": description, "net_amount": amount, "currency": currency}


class BalanceChangeFromActivityItemized(ItemizedReport):
    """Every balance transaction except payouts, one row each (version 1: the charge's own columns, UTC)."""

    id = "balance_change_from_activity.itemized.1"
    name = "Itemized balance change from activity"
    question = gettext_noop("Which transactions changed my balance in this period, one line each?")
    parameters = ITEMIZED
    pool = TRANSACTION_COLUMNS
    default_set = NINE

    def queryset(self, params: Params) -> QuerySet[BalanceTransaction]:
        return in_interval(ledger(params), params).exclude(reporting_category__in=PAYOUT_CATEGORIES)

    def expected_rows(self, params: Params) -> int:
        assert params.interval_end is not None
        return rows_in(params, params.interval_start, params.interval_end, ~Q(reporting_category__in=PAYOUT_CATEGORIES))

    def rows_to_write(self, params: Params) -> int | None:
        return rows_on_side(params, payouts=False)


class BalanceChangeFromActivityItemized2(BalanceChangeFromActivityItemized):
    """Version 2: adds the customer's and card's addresses, dispute, Connect, regulatory and metadata columns."""

    id = "balance_change_from_activity.itemized.2"


class BalanceChangeFromActivityItemized3(BalanceChangeFromActivityItemized):
    """Version 3: version 2 plus each timestamp in the run's timezone."""

    id = "balance_change_from_activity.itemized.3"
    parameters = ITEMIZED_TZ


class BalanceChangeFromActivitySummary(CategorySummary):
    """Activity (everything but payouts) per reporting category and currency."""

    id = "balance_change_from_activity.summary.1"
    name = "Balance change from activity summary"
    question = gettext_noop(
        "How much did each kind of activity (charges, refunds, fees...) add to or take from my balance?"
    )
    payouts = False
