"""A second, deliberately plain implementation of the report files: the oracle of the fast-path tests.

It shares nothing with reporting.reports but the ledger models and the Params
container: rows are read with ordinary ORM loops and filtered, sorted and
formatted in Python, one value at a time, straight from Stripe's format
(docs: report-types.md §2, §3 and §6). Speed does not matter here; being
obviously right does.

- CSV: every non-null value in double quotes with quotes doubled, null as an
  empty cell, the header quoted too, LF after every line, UTF-8.
- Amounts: integer minor units shown in major units with the currency's
  ISO 4217 number of decimals (written out in formatting.py), "-" for negatives; the
  run's `decimal_separator` replaces the decimal point.
- Timestamps: `YYYY-MM-DD HH:MM:SS`, fractions of a second dropped: in UTC for
  `*_utc` columns, in the run's timezone for their twins without the suffix
  (in UTC too in the versions that take no `timezone`).
- Metadata columns `payment_metadata[KEY]` (refund_, transfer_), in the versions
  that list them: the value under KEY, empty when the object or the key is missing.
- Rows: half-open [interval_start, interval_end) on effective_at, ordered by
  effective_at then primary key; the payout reconciliation lists the rows of
  each automatic payout together, payouts in order of arrival.

Types: every itemized type of the balance, payouts and reconciliation families
(one row per transaction), balance.summary.1 (eight lines per currency) and the
summaries by category (a line per currency and category, then a `total`).

Modules: formatting (a cell and a line in Stripe's CSV format), catalogue (the
types and their columns), cells (each column's value for one transaction), rows
(which transactions a type lists, in which order) and summaries (the balance
summary and the summaries by category).
"""

from __future__ import annotations

from reporting.reports import Params

from .catalogue import CATEGORY_SUMMARIES, ITEMIZED_TYPES, SUMMARY
from .cells import cell_for
from .formatting import line
from .rows import _rows
from .summaries import _category_summary, _summary


def _itemized(report_type: str, params: Params) -> tuple[bytes, int]:
    spec = ITEMIZED_TYPES[report_type]
    names = list(params.columns) or spec.default
    cells = [cell_for(report_type, n) for n in names]
    rows = _rows(spec.rows, params)
    text = line(names) + "".join(line([cell(t, params) for cell in cells]) for t in rows)
    return text.encode("utf-8"), len(rows)


def reference_write(report_type: str, params: Params) -> tuple[bytes, int]:
    """The report file's bytes and its number of data rows, computed the plain way."""
    if report_type in ITEMIZED_TYPES:
        return _itemized(report_type, params)
    if report_type == SUMMARY:
        return _summary(params)
    if report_type in CATEGORY_SUMMARIES:
        return _category_summary(report_type, params)
    raise ValueError(f"no reference for {report_type}")
