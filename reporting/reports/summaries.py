"""Summaries by reporting category: one line per (category, currency) and a `total` per currency."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import ClassVar

from reporting.categories import PAYOUT_CATEGORIES

from .base import Column, Params, SummaryReport
from .formats import Row, integer, money, text
from .totals import Key, Sums, sums_by_category


class CategorySummary(SummaryReport):
    """Base of the `*.summary.1` types by category: balance change and payouts say which
    side of the ledger they sum; the reconciliation summaries override sums()."""

    payouts: bool = False
    parameters: ClassVar[tuple[str, ...]] = ("interval_start", "interval_end", "currency", "timezone", "columns")
    pool = {
        c.name: c
        for c in (
            Column("reporting_category", text("reporting_category")),
            Column("currency", text("currency")),
            Column("count", integer("count")),
            Column("gross", money("gross")),
            # Written negative, so that gross + fee = net, as the balance summary's "Less fees".
            Column("fee", money("fee")),
            Column("net", money("net")),
        )
    }

    def sums(self, params: Params) -> dict[Key, Sums]:
        """Return the (currency, reporting_category) sums this summary reports."""
        assert params.interval_start is not None
        assert params.interval_end is not None
        sums = sums_by_category(params, params.interval_start, params.interval_end)
        return {key: s for key, s in sums.items() if (key[1] in PAYOUT_CATEGORIES) == self.payouts}

    def expected_rows(self, params: Params) -> int:
        return 0  # the daily totals (sums_by_category); the reconciliation summaries override it with sums()

    def rows(self, params: Params, fields: Sequence[str]) -> Iterator[Row]:
        sums = self.sums(params)
        for currency, keys in groupby(sorted(sums), key=lambda key: key[0]):
            total = Sums()
            for _, category in keys:
                s = sums[currency, category]
                total.add(s)
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
