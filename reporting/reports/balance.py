"""Balance family: the balance summary and the itemized balance change from activity."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import IO

from django.db.models import QuerySet

from reporting.models import BalanceTransaction

from . import engine
from .base import Column, Params, Report, csv_line
from .formats import Row, blank_as_null, money, text, timestamp
from .summaries import CategorySummary
from .totals import PAYOUT_CATEGORIES, Totals, totals


def ledger(params: Params) -> QuerySet[BalanceTransaction]:
    qs = BalanceTransaction.objects.filter(account_id=params.account_id, livemode=params.livemode)
    if params.currency:
        qs = qs.filter(currency=params.currency)
    if params.reporting_category:
        qs = qs.filter(reporting_category=params.reporting_category)
    return qs


def in_interval(qs: QuerySet[BalanceTransaction], params: Params) -> QuerySet[BalanceTransaction]:
    # Half-open [interval_start, interval_end), on the balance family's date.
    return qs.filter(effective_at__gte=params.interval_start, effective_at__lt=params.interval_end)


class BalanceSummary(Report):
    """Starting balance, activity, payouts and ending balance, per currency."""

    id = "balance.summary.1"
    name = "Balance summary"
    parameters = ("interval_start", "interval_end", "currency", "timezone", "columns")
    columns = (
        Column("category", text("category")),
        Column("description", text("description")),
        Column("net_amount", money("net_amount")),
        Column("currency", text("currency")),
    )
    default_columns = ["category", "description", "net_amount", "currency"]

    def rows(self, params: Params, fields: Sequence[str]) -> Iterator[Row]:
        start, end = params.interval_start, params.interval_end
        assert start is not None
        assert end is not None
        before, during = totals(params, None, start), totals(params, start, end)
        first_day = start.astimezone(params.timezone).date()
        last_day = (end - timedelta(seconds=1)).astimezone(params.timezone).date()
        # Every currency with any transaction before the end gets its block of eight lines.
        for currency in sorted(before.keys() | during.keys()):
            starting = before[currency].net if currency in before else 0
            t = during.get(currency, Totals())
            activity = t.activity_gross - t.activity_fee
            payouts = t.payouts_gross - t.payouts_fee
            lines = [
                ("starting_balance", f"Starting balance ({first_day:%Y-%m-%d})", starting),
                ("activity_gross", "Account activity before fees", t.activity_gross),
                ("activity_fee", "Less fees", -t.activity_fee),
                ("activity", "Activity", activity),
                ("payouts_gross", "Payouts to bank", t.payouts_gross),
                ("payouts_fee", "Payout fees", -t.payouts_fee),
                ("payouts", "Total payouts", payouts),
                ("ending_balance", f"Ending balance ({last_day:%Y-%m-%d})", starting + activity + payouts),
            ]
            for category, description, amount in lines:
                yield {"category": category, "description": description, "net_amount": amount, "currency": currency}


class ItemizedRows(Report):
    """Itemized types: one ledger row per line, streamed by the engine."""

    def queryset(self, params: Params) -> QuerySet[BalanceTransaction]:
        raise NotImplementedError

    def write(self, params: Params, out: IO[bytes]) -> int:
        columns = self.selected_columns(params)
        out.write(csv_line(c.name for c in columns).encode())
        return engine.stream(self.queryset(params), columns, params, out)


class BalanceChangeFromActivityItemized(ItemizedRows):
    """Every balance transaction except payouts, one row each."""

    id = "balance_change_from_activity.itemized.1"
    name = "Itemized balance change from activity"
    parameters = ("interval_start", "interval_end", "currency", "reporting_category", "columns")
    columns = (
        Column("balance_transaction_id", text("stripe_id")),
        Column("created_utc", timestamp("created")),
        Column("available_on_utc", timestamp("available_on")),
        Column("currency", text("currency")),
        Column("gross", money("amount")),
        Column("fee", money("fee")),
        Column("net", money("net")),
        Column("reporting_category", text("reporting_category")),
        Column("source_id", blank_as_null("source_id")),
        Column("description", text("description")),
        Column("customer_facing_amount", money("customer_facing_amount", currency_field="customer_facing_currency")),
        Column("customer_facing_currency", text("customer_facing_currency")),
        Column("automatic_payout_id", text("automatic_payout__stripe_id")),
        Column("automatic_payout_effective_at_utc", timestamp("automatic_payout__effective_at")),
        Column("customer_id", text("customer_id")),
        Column("customer_email", text("customer_email")),
        Column("charge_id", text("charge_id")),
        Column("payment_method_type", text("payment_method_type")),
        Column("card_brand", text("card_brand")),
        Column("card_country", text("card_country")),
        Column("dispute_reason", text("dispute_reason")),
    )
    default_columns = [
        "balance_transaction_id",
        "created_utc",
        "available_on_utc",
        "currency",
        "gross",
        "fee",
        "net",
        "reporting_category",
        "description",
    ]

    def queryset(self, params: Params) -> QuerySet[BalanceTransaction]:
        return in_interval(ledger(params), params).exclude(reporting_category__in=PAYOUT_CATEGORIES)


class BalanceChangeFromActivitySummary(CategorySummary):
    """Activity (everything but payouts) per reporting category and currency."""

    id = "balance_change_from_activity.summary.1"
    name = "Balance change from activity summary"
    payouts = False
