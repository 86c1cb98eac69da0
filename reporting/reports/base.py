"""The shape every report type shares: parameters, column declarations, and the two kinds of report.

A report type declares each column once: its name and a formatter that says
which ledger fields it reads and how it turns them into text. It is one of
two kinds:
- `SummaryReport`: a few rows of sums, which the subclass yields from rows()
  and the base formats and writes;
- `ItemizedReport`: one line per ledger row of the subclass's queryset(),
  which the engine streams in Stripe's CSV dialect straight from the database.
Either way the file is written in chunks; nothing holds the whole report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import IO, Any, ClassVar
from zoneinfo import ZoneInfo

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

from reporting.models.ledger import METADATA_FIELDS

from . import documented, engine
from .formats import Formatter, Row, csv_line, fields_of, metadata, write_rows
from .watcher import UNWATCHED, Watcher

UTC = ZoneInfo("UTC")
# The parameters of the itemized types (Stripe's catalogue); the first two are required.
ITEMIZED: tuple[str, ...] = (
    "interval_start",
    "interval_end",
    "currency",
    "reporting_category",
    "decimal_separator",
    "columns",
)
# The timezone-aware versions take `timezone` too.
ITEMIZED_TZ = (*ITEMIZED[:2], "timezone", *ITEMIZED[2:])


class ReportError(Exception):
    """A failure the requester can act on; its message becomes the run's error."""


@dataclass(frozen=True)
class Params:
    """A run's parameters, parsed: what a report's rows() receives."""

    account_id: str
    livemode: bool
    interval_start: datetime | None = None
    interval_end: datetime | None = None
    currency: str | None = None
    reporting_category: str | None = None
    timezone: ZoneInfo = UTC
    columns: Sequence[str] = ()
    payout: str | None = None  # Stripe id of an automatic payout (by_id types)
    decimal_separator: str = "."
    # Text cells in reporting.spreadsheet's safe form (formula-like text gets a leading '); False: Stripe-exact.
    spreadsheet_safe: bool = True


@dataclass(frozen=True)
class Column:
    name: str
    format: Formatter


# `payment_metadata[order_id]`: one column per key, any number of keys.
METADATA_COLUMN = re.compile(rf"({'|'.join(METADATA_FIELDS)})\[(.+)\]", re.DOTALL)


def last_day(end: datetime, zone: tzinfo) -> date:
    """Return the last day, in `zone`, of an interval that ends (excluded) at `end`."""
    return (end - timedelta(seconds=1)).astimezone(zone).date()


@dataclass
class Report:
    """What both kinds of report share; a report type subclasses SummaryReport or ItemizedReport.

    Its columns are Stripe's documented ones for its id (documented.py), each read
    as its family's `pool` of columns says.
    """

    id: ClassVar[str]
    name: ClassVar[str]
    pool: ClassVar[dict[str, Column]]
    # The columns a run without `columns` writes (documented.default_columns); None: all of them.
    default_set: ClassVar[tuple[str, ...] | None] = None
    # Parameter names this type accepts (Stripe's catalogue); the first two are required.
    parameters: ClassVar[tuple[str, ...]] = ("interval_start", "interval_end")
    required: ClassVar[tuple[str, ...]] = ("interval_start", "interval_end")
    live_only: ClassVar[bool] = False
    # One plain-language line on what the report answers (the dashboard's catalogue).
    question: ClassVar[str] = ""
    columns: tuple[Column, ...] = field(init=False)
    default_columns: list[str] = field(init=False)
    # The objects whose metadata keys `columns` may name (`payment_metadata[KEY]`).
    metadata_fields: tuple[str, ...] = field(init=False)
    column_map: dict[str, Column] = field(init=False)

    def __post_init__(self) -> None:
        self.columns = tuple(self.pool[name] for name in documented.all_columns(self.id))
        self.column_map = {c.name: c for c in self.columns}
        self.default_columns = (
            self.column_names if self.default_set is None else documented.default_columns(self.id, self.default_set)
        )
        self.metadata_fields = documented.metadata_fields(self.id)

    @property
    def version(self) -> int:
        return int(self.id.rsplit(".", 1)[1])

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column | None:
        """Return the column called `name` (a declared one, or a metadata key where allowed), or None."""
        if name in self.column_map:
            return self.column_map[name]
        match = METADATA_COLUMN.fullmatch(name)
        return Column(name, metadata(match[1], match[2])) if match and match[1] in self.metadata_fields else None

    def selected_columns(self, params: Params) -> list[Column]:
        names = params.columns or self.default_columns
        columns = [self.column(n) for n in names]
        assert all(columns), "the parameters form accepts only this type's columns"
        return [c for c in columns if c is not None]

    def expected_rows(self, params: Params) -> int:
        """Return at most how many ledger rows a run goes through, counted from the daily totals before it reads one.

        It decides whether the run waits on the short or the long queue (services.queues).
        """
        raise NotImplementedError

    def rows_to_write(self, params: Params) -> int | None:
        """Return how many data rows the file will have, when the daily totals tell it before a row is read.

        None where they cannot: summaries (a few rows) and the reconciliations (which
        rows a payout settled is known only by reading them). A running run shows
        its progress against it.
        """
        return None

    def write(self, params: Params, out: IO[bytes], watcher: Watcher = UNWATCHED) -> int:
        """Stream the report as UTF-8 CSV into the binary `out`; return the number of data rows.

        `watcher` hears the rows as they are written and which connections the report reads on.
        """
        columns = self.selected_columns(params)
        out.write(csv_line(c.name for c in columns).encode())
        with watcher.reading(connections[DEFAULT_DB_ALIAS]):
            return self.write_data(params, columns, out, watcher)

    def write_data(self, params: Params, columns: Sequence[Column], out: IO[bytes], watcher: Watcher) -> int:
        """Write the data rows, after the header; return how many."""
        raise NotImplementedError

    def filename(self, params: Params, zone: tzinfo | None = None) -> str:
        """Name the file after the type and what it covers: its payout, or its first and last days.

        A type that takes only `interval_end` (a balance at that time) is named after its last day.
        """
        if "payout" in self.parameters:
            return f"{self.id}_{params.payout}.csv"
        zone = zone or params.timezone
        start, end = params.interval_start, params.interval_end
        last = f"{last_day(end, zone):%Y-%m-%d}" if end else "end"
        if "interval_start" not in self.parameters:
            return f"{self.id}_{last}.csv"
        first = f"{start.astimezone(zone):%Y-%m-%d}" if start else "start"
        return f"{self.id}_{first}_{last}.csv"


class SummaryReport(Report):
    """A report of a few rows of sums: subclasses yield them from rows(), the base writes them."""

    def rows(self, params: Params, fields: Sequence[str]) -> Iterator[Row]:
        """Yield the rows, each a mapping with (at least) the `fields` the selected columns read."""
        raise NotImplementedError

    def write_data(self, params: Params, columns: Sequence[Column], out: IO[bytes], watcher: Watcher) -> int:
        return write_rows(self.rows(params, fields_of(columns)), columns, params, out, watcher)


class ItemizedReport(Report):
    """A report of one line per ledger row: subclasses say which rows, the engine streams them."""

    # The ledger fields the rows are written in the order of.
    ordering: ClassVar[tuple[str, ...]] = ("effective_at", "pk")

    def queryset(self, params: Params) -> QuerySet[Any]:
        """Return the ledger rows the report lists, in any order."""
        raise NotImplementedError

    def write_data(self, params: Params, columns: Sequence[Column], out: IO[bytes], watcher: Watcher) -> int:
        return engine.stream(self.queryset(params), columns, params, out, self.ordering, watcher)
