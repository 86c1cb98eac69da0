"""What a succeeded run's page shows of its file: tables (and charts) read from the stored CSV, not the ledger.

The file is the result the requester downloads, so the preview reads it (as a
stream, through the storage API, local or S3) rather than asking the ledger
again, which may have changed since. Summaries are a few dozen lines and are
read whole. Itemized files are read for their first PREVIEW_ROWS lines; their
totals per category and currency need every line, so they are summed from the
file only up to TOTALS_MAX_ROWS (about a second of parsing): a bigger file says
its totals are left to the matching summary report, whose numbers come from
the daily totals in milliseconds, instead of holding a page for millions of rows.
"""

from __future__ import annotations

import csv
import io
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, cast

from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from reporting import charts, l10n
from reporting.currencies import EXPONENTS
from reporting.models import ReportRun
from reporting.reports import Report, get_report
from reporting.reports.base import SummaryReport
from reporting.reports.totals import monthly_activity

from .execution import params_for
from .storage import stream

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 50
TOTALS_MAX_ROWS = 100_000
SUMMARY_MAX_ROWS = 1_000  # a summary has a few lines per currency; more means it is not one
# The balance summary's lines the waterfall draws, in order.
WATERFALL = (
    ("starting_balance", _("Start")),
    ("activity", _("Activity")),
    ("payouts", _("Payouts")),
    ("ending_balance", _("End")),
)


@dataclass
class Table:
    caption: str
    columns: list[str]
    numeric: list[bool]
    rows: list[list[str]]
    # Rows (by index) that are totals: shown as such.
    total_rows: set[int] = field(default_factory=set)

    @property
    def header(self) -> list[tuple[str, bool]]:
        return list(zip(self.columns, self.numeric, strict=False))

    @property
    def body(self) -> list[tuple[bool, list[tuple[str, bool]]]]:
        return [(i in self.total_rows, list(zip(row, self.numeric, strict=False))) for i, row in enumerate(self.rows)]


@dataclass
class Figure:
    """A chart and the table that says the same in words."""

    chart: SafeString
    table: Table


@dataclass
class Preview:
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    shown: int = 0
    total: int = 0
    totals_note: str = ""
    problem: str = ""

    @property
    def truncated(self) -> bool:
        return self.shown < self.total

    @property
    def count_text(self) -> str:
        return gettext("Showing %(shown)s of %(total)s rows") % {
            "shown": l10n.count(self.shown),
            "total": l10n.count(self.total),
        }


def preview(run: ReportRun) -> Preview | None:
    """The preview of a succeeded run's file, or None for a run without one."""
    report = get_report(run.report_type_id)
    if run.status != ReportRun.Status.SUCCEEDED or run.result is None or report is None:
        return None
    try:
        with io.TextIOWrapper(cast(Any, stream(run.result.storage_name)), encoding="utf-8", newline="") as text:
            reader = _Reader(report, csv.reader(text), params_for(run).decimal_separator)
            if isinstance(report, SummaryReport):
                return _summary(report, reader, run)
            return _itemized(reader, run)
    except Exception:
        logger.exception("Could not read the file of run %s for its preview", run.id)
        return Preview(problem=gettext("The file could not be read for a preview; the download may still work."))


class _Reader:
    """The CSV's header, its lines, and which cells are amounts (with the currency each line is in)."""

    def __init__(self, report: Report, lines: Iterator[list[str]], separator: str) -> None:
        self.columns = next(lines, [])
        self.lines = lines
        self.separator = separator
        self.money = [(c := report.column(name)) is not None and bool(c.format.units) for name in self.columns]
        self.currency = self.columns.index("currency") if "currency" in self.columns else None

    def index(self, name: str) -> int | None:
        return self.columns.index(name) if name in self.columns else None

    def amount(self, cell: str) -> Decimal | None:
        try:
            return Decimal(cell.replace(self.separator, ".")) if cell else None
        except InvalidOperation:
            return None

    def table(self, title: str, lines: list[list[str]]) -> Table:
        """The file's `lines` under its header, as the page shows them."""
        return Table(title, self.columns, self.money, [self.shown(x) for x in lines])

    def shown(self, line: list[str]) -> list[str]:
        """The line as the page shows it: amounts with thousands separators."""
        currency = line[self.currency] if self.currency is not None else "usd"
        return [
            l10n.amount(amount, currency) if is_money and (amount := self.amount(cell)) is not None else cell
            for cell, is_money in zip(line, self.money, strict=False)
        ]


def _summary(report: SummaryReport, reader: _Reader, run: ReportRun) -> Preview:
    lines = [line for _, line in zip(range(SUMMARY_MAX_ROWS), reader.lines, strict=False)]
    result = Preview(shown=len(lines), total=run.row_count or len(lines))
    line_kind, reporting_category = reader.index("category"), reader.index("reporting_category")
    if report.id == "balance.summary.1" and line_kind is not None:
        result.figures = _waterfalls(reader, lines)
    elif reporting_category is not None:
        result.figures = _category_bars(reader, lines, reporting_category)
    if not result.figures:
        result.tables.append(reader.table(report.name, lines))
    return result


def _by_currency(reader: _Reader, lines: list[list[str]]) -> dict[str, list[list[str]]]:
    groups: dict[str, list[list[str]]] = defaultdict(list)
    for line in lines:
        groups[line[reader.currency] if reader.currency is not None else ""].append(line)
    return groups


def _waterfalls(reader: _Reader, lines: list[list[str]]) -> list[Figure]:
    """One waterfall per currency, from the lines named in WATERFALL, and the currency's lines as its table."""
    category, amount = reader.index("category"), reader.index("net_amount")
    figures = []
    for currency, group in _by_currency(reader, lines).items():
        table = reader.table(gettext("Balance summary, %(currency)s") % {"currency": currency.upper()}, group)
        table.total_rows = {i for i, x in enumerate(group) if category is not None and x[category] == "ending_balance"}
        values = {x[category]: reader.amount(x[amount]) for x in group} if category is not None and amount else {}
        steps = [(str(label), values.get(name)) for name, label in WATERFALL]
        title = gettext("Balance, %(currency)s: start, activity, payouts, end") % {"currency": currency.upper()}
        figures.append(_figure(table, charts.waterfall, title, steps, currency))
    return figures


def _category_bars(reader: _Reader, lines: list[list[str]], category: int) -> list[Figure]:
    """Per currency: net (else gross) per reporting category as bars; the `total` line is the table's last."""
    amount = reader.index("net")
    amount = reader.index("gross") if amount is None else amount
    figures = []
    for currency, group in _by_currency(reader, lines).items():
        table = reader.table(gettext("By reporting category, %(currency)s") % {"currency": currency.upper()}, group)
        table.total_rows = {i for i, x in enumerate(group) if x[category] == "total"}
        items = [
            (x[category], reader.amount(x[amount])) for x in group if amount is not None and x[category] != "total"
        ]
        words = {"amount": reader.columns[cast(int, amount)].capitalize(), "currency": currency.upper()}
        title = gettext("%(amount)s by reporting category, %(currency)s") % words if items else currency.upper()
        figures.append(_figure(table, charts.bars, title, items, currency))
    return figures


def _figure(
    table: Table, draw: Callable[..., Any], title: str, items: list[tuple[str, Decimal | None]], currency: str
) -> Figure:
    """The table with its chart beside it, or alone when a value (or the currency) is missing."""
    if not currency or not items or any(v is None for _, v in items):
        return Figure(SafeString(""), table)
    known = [(label, cast(Decimal, v)) for label, v in items]
    desc = ", ".join(f"{label} {l10n.amount(v, currency)}" for label, v in known)
    return Figure(draw(title, known, partial(l10n.amount, currency=currency), desc=desc).svg(), table)


def _itemized(reader: _Reader, run: ReportRun) -> Preview:
    total = run.row_count or 0
    category, currency = reader.index("reporting_category"), reader.currency
    summed = category is not None and currency is not None and total <= TOTALS_MAX_ROWS
    amounts = [i for i, is_money in enumerate(reader.money) if is_money]
    sums: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0] + [Decimal(0)] * len(amounts))
    first: list[list[str]] = []
    for line in reader.lines:
        if len(first) < PREVIEW_ROWS:
            first.append(reader.shown(line))
        elif not summed:
            break  # the preview needs no more of the file
        if summed:
            s = sums[line[cast(int, currency)], line[cast(int, category)]]
            s[0] += 1
            for k, i in enumerate(amounts, start=1):
                s[k] += reader.amount(line[i]) or 0
    result = Preview(shown=len(first), total=max(total, len(first)))
    result.tables.append(
        Table(
            ngettext("First %(count)s row", "First %(count)s rows", len(first)) % {"count": l10n.count(len(first))},
            reader.columns,
            reader.money,
            first,
        )
    )
    if category is None or currency is None:
        result.totals_note = gettext("No totals: this run left out the reporting_category or currency column.")
    elif not summed:
        result.totals_note = gettext(
            "Totals are not summed here for files over %(rows)s rows; "
            "the summary report for the same period gives them from the daily totals."
        ) % {"rows": l10n.count(TOTALS_MAX_ROWS)}
    else:
        rows = [
            [cur.upper(), cat, l10n.count(s[0]), *(l10n.amount(v, cur) for v in s[1:])]
            for (cur, cat), s in sorted(sums.items())
        ]
        columns = ["currency", "reporting_category", gettext("count"), *(reader.columns[i] for i in amounts)]
        numeric = [False, False, True, *(True for _ in amounts)]
        result.tables.append(Table(gettext("Totals per reporting category and currency"), columns, numeric, rows))
    return result


def activity_figures(account_id: str, livemode: bool, last_day: date) -> list[Figure]:
    """The catalogue's chart: activity per month over the 12 months up to `last_day`, one chart per currency."""
    first = date(last_day.year - (last_day.month < 12), last_day.month % 12 + 1, 1)
    months = [date(first.year + (first.month + i - 1) // 12, (first.month + i - 1) % 12 + 1, 1) for i in range(12)]
    figures = []
    for currency, minors in monthly_activity(account_id, livemode, last_day).items():
        places = EXPONENTS.get(currency, 2)
        items = [(l10n.month(m), Decimal(minor).scaleb(-places)) for m, minor in zip(months, minors, strict=True)]
        code = currency.upper()
        table = Table(
            gettext("Activity per month, %(currency)s") % {"currency": code},
            [gettext("month"), gettext("activity (%(currency)s)") % {"currency": code}],
            [False, True],
            [[label, l10n.amount(v, currency)] for label, v in items],
        )
        chart = charts.bars(
            gettext("Activity per month, %(currency)s, %(first)s to %(last)s")
            % {"currency": code, "first": items[0][0], "last": items[-1][0]},
            items,
            partial(l10n.amount, currency=currency),
            desc=gettext(
                "Net activity (everything but payouts) per month in %(currency)s; the table beside it lists each month."
            )
            % {"currency": code},
        )
        figures.append(Figure(chart.svg(), table))
    return figures
