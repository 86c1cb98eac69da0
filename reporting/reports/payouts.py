"""Payouts family: the itemized payouts report."""

from __future__ import annotations

from django.db.models import QuerySet

from reporting.models import BalanceTransaction

from .balance import ItemizedRows, in_interval, ledger
from .base import Column, Params
from .formats import blank_as_null, money, text, timestamp
from .summaries import CategorySummary
from .totals import PAYOUT_CATEGORIES


class PayoutsItemized(ItemizedRows):
    """Every payout (and payout reversal) whose funds moved in the interval."""

    id = "payouts.itemized.1"
    name = "Itemized payouts"
    parameters = ("interval_start", "interval_end", "currency", "reporting_category", "columns")
    # This report looks from the bank's side: a payout is positive, so every
    # amount is the balance transaction's with the sign flipped.
    columns = (
        Column("payout_id", text("payout__stripe_id")),
        Column("effective_at_utc", timestamp("effective_at")),
        Column("currency", text("currency")),
        Column("gross", money("amount", sign=-1)),
        Column("fee", money("fee", sign=-1)),
        Column("net", money("net", sign=-1)),
        Column("reporting_category", text("reporting_category")),
        Column("balance_transaction_id", text("stripe_id")),
        Column("description", text("description")),
        Column("payout_expected_arrival_date", timestamp("payout__arrival_date")),
        Column("payout_status", text("payout__status")),
        Column("payout_reversed_at_utc", timestamp("payout__reversed_at")),
        Column("payout_type", text("payout__type")),
        Column("payout_description", text("payout__description")),
        Column("payout_destination_id", blank_as_null("payout__destination_id")),
        Column("trace_id", blank_as_null("payout__trace_id")),
        Column("trace_id_status", blank_as_null("payout__trace_id_status")),
    )
    default_columns = [
        "payout_id",
        "effective_at_utc",
        "currency",
        "gross",
        "fee",
        "net",
        "reporting_category",
        "balance_transaction_id",
        "description",
        "payout_expected_arrival_date",
        "payout_status",
    ]

    def queryset(self, params: Params) -> QuerySet[BalanceTransaction]:
        return in_interval(ledger(params), params).filter(reporting_category__in=PAYOUT_CATEGORIES)


class PayoutsSummary(CategorySummary):
    """Payouts and payout reversals per currency, from the balance's side (payouts negative)."""

    id = "payouts.summary.1"
    name = "Payouts summary"
    payouts = True
