"""Summaries by reporting category: one line per (category, currency) and a `total` per currency."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby

from .base import Column, Params, Report
from .formats import Row, money, text
from .totals import PAYOUT_CATEGORIES, Sums, sums_by_category


class CategorySummary(Report):
    """Base of `*.summary.1` types: subclasses say whether they sum payouts or activity."""

    payouts: bool
    parameters = ("interval_start", "interval_end", "currency", "timezone", "columns")
    columns = (
        Column("reporting_category", text("reporting_category")),
        Column("currency", text("currency")),
        Column("count", text("count")),
        Column("gross", money("gross")),
        # Written negative, so that gross + fee = net, as the balance summary's "Less fees".
        Column("fee", money("fee")),
        Column("net", money("net")),
    )
    default_columns = ["reporting_category", "currency", "count", "gross", "fee", "net"]

    def rows(self, params: Params, fields: Sequence[str]) -> Iterator[Row]:
        assert params.interval_start is not None
        assert params.interval_end is not None
        sums = sums_by_category(params, params.interval_start, params.interval_end)
        wanted = sorted(key for key in sums if (key[1] in PAYOUT_CATEGORIES) == self.payouts)
        for currency, keys in groupby(wanted, key=lambda key: key[0]):
            total = Sums()
            for _, category in sorted(keys, key=lambda key: key[1]):
                s = sums[currency, category]
                total.count, total.amount, total.fee = total.count + s.count, total.amount + s.amount, total.fee + s.fee
                yield _line(category, currency, s)
            yield _line("total", currency, total)


def _line(category: str, currency: str, s: Sums) -> Row:
    return {
        "reporting_category": category,
        "currency": currency,
        "count": s.count,
        "gross": s.amount,
        "fee": -s.fee,
        "net": s.amount - s.fee,
    }
