"""Payouts family: the payouts summary and the itemized payouts, from the bank's side."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from reporting.categories import PAYOUT_CATEGORIES
from reporting.models import BalanceTransaction

from .base import ITEMIZED, ITEMIZED_TZ, Column, ItemizedReport, Params
from .documented import ELEVEN
from .formats import blank_as_null, money, text, timestamp
from .ledger import in_interval, ledger
from .summaries import CategorySummary
from .totals import rows_in, rows_on_side

# This report looks from the bank's side: a payout is positive, so every
# amount is the balance transaction's with the sign flipped.
_COLUMNS = (
    Column("payout_id", text("payout__stripe_id")),
    Column("effective_at_utc", timestamp("effective_at")),
    Column("effective_at", timestamp("effective_at", local=True)),
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
    Column("payout_reversed_at", timestamp("payout__reversed_at", local=True)),
    Column("payout_type", text("payout__type")),
    Column("payout_description", text("payout__description")),
    Column("payout_destination_id", blank_as_null("payout__destination_id")),
    Column("trace_id", blank_as_null("payout__trace_id")),
    Column("trace_id_status", blank_as_null("payout__trace_id_status")),
    Column("regulatory_tag", text("regulatory_tag")),
    # As an import read it: a platform's fee on the payout, if any (empty for other accounts).
    Column("application_fee", money("application_fee")),
)


class PayoutsItemized(ItemizedReport):
    """Every payout (and payout reversal) whose funds moved in the interval (version 1, UTC)."""

    id = "payouts.itemized.1"
    name = "Itemized payouts"
    question = gettext_noop("Which payouts left my balance in this period, with their status and bank trace?")
    parameters = ITEMIZED
    pool = {c.name: c for c in _COLUMNS}
    default_set = ELEVEN

    def queryset(self, params: Params) -> QuerySet[BalanceTransaction]:
        return in_interval(ledger(params), params).filter(reporting_category__in=PAYOUT_CATEGORIES)

    def expected_rows(self, params: Params) -> int:
        assert params.interval_end is not None
        return rows_in(params, params.interval_start, params.interval_end, Q(reporting_category__in=PAYOUT_CATEGORIES))

    def rows_to_write(self, params: Params) -> int | None:
        return rows_on_side(params, payouts=True)


class PayoutsItemized2(PayoutsItemized):
    """Version 2: adds the (Brazilian) regulatory tag."""

    id = "payouts.itemized.2"


class PayoutsItemized3(PayoutsItemized):
    """Version 3: version 2 plus each timestamp in the run's timezone."""

    id = "payouts.itemized.3"
    parameters = ITEMIZED_TZ


class PayoutsSummary(CategorySummary):
    """Payouts and payout reversals per currency, from the balance's side (payouts negative)."""

    id = "payouts.summary.1"
    name = "Payouts summary"
    question = gettext_noop("How much was paid out to my bank in this period, per currency?")
    payouts = True
