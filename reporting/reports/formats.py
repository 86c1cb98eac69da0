"""Column formatters and Stripe's CSV dialect: how a column reads ledger fields and writes one cell.

Each formatter says it twice, in the same place: in Python, and as SQL for the
database to do the work while it streams rows (see engine.py). Both must write
exactly Stripe's text: amounts in major units with the currency's exponent,
`YYYY-MM-DD HH:MM:SS` timestamps, null as an empty cell. Text cells (text,
blank_as_null, metadata) follow the run's `spreadsheet_safe` (reporting.spreadsheet);
amounts, counts, times and booleans never change with it. Lines go to the file
CHUNK_ROWS at a time, whichever way they were made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from reporting.currencies import EXPONENTS, format_amount
from reporting.spreadsheet import QUOTE, TRIGGERS, protect

from .watcher import UNWATCHED, Watcher

if TYPE_CHECKING:
    from .base import Column, Params

# Rows per read from the database and per write to the file, on every path.
CHUNK_ROWS = 5000
Row = Mapping[str, Any]
# An SQL expression (with %s placeholders; literal % doubled) and its parameters.
SqlExpr = tuple[str, list[Any]]
SqlFormat = Callable[[str, Sequence[str], "Params"], SqlExpr | None]
UTC = ZoneInfo("UTC")
# Names of UTC itself (the API's default timezone is "Etc/UTC"): local times in them need no tz database.
UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"})


def _no_sql(vendor: str, cols: Sequence[str], params: Params) -> SqlExpr | None:
    return None


@dataclass(frozen=True)
class Formatter:
    """Turn the named fields of a row into one cell (None writes an empty, null cell)."""

    fields: tuple[str, ...]
    func: Callable[[Row, Params], str | None]
    # The same cell as SQL for a vendor ("postgresql", "sqlite"), given the
    # column references of `fields`; None when that database cannot do it.
    sql: SqlFormat = _no_sql
    # True when the text can never hold a double quote (amounts and times we
    # format ourselves; ledger text, ids included, may hold anything an import
    # brought): SQLite then skips escaping it, the costliest part of a line.
    quote_free: bool = False
    # True when the cell is NULL only where a field is: formatters that turn
    # values into NULL themselves (blank_as_null, metadata) say False.
    null_only_from_null: bool = True
    # Currency fields whose minor unit (1, 0.01, 0.001) the PostgreSQL SQL reads:
    # the engine works it out once per row (currency_unit) and passes each
    # unit's column reference after the fields' (see money()).
    units: tuple[str, ...] = ()

    def __call__(self, row: Row, params: Params) -> str | None:
        return self.func(row, params)


def text(name: str) -> Formatter:
    def fmt(row: Row, params: Params) -> str | None:
        value = row[name]
        return None if value is None else _safe(str(value), params)

    def sql(vendor: str, cols: Sequence[str], params: Params) -> SqlExpr:
        return _safe_sql(vendor, (f"CAST({cols[0]} AS TEXT)", []), params)

    return Formatter((name,), fmt, sql)


def blank_as_null(name: str) -> Formatter:
    """Write text, and null where the ledger stores "not applicable" as an empty string."""

    def fmt(row: Row, params: Params) -> str | None:
        value = row[name]
        return _safe(value, params) if value else None

    def sql(vendor: str, cols: Sequence[str], params: Params) -> SqlExpr:
        return _safe_sql(vendor, (f"NULLIF(CAST({cols[0]} AS TEXT), '')", []), params)

    return Formatter((name,), fmt, sql, null_only_from_null=False)


def integer(name: str) -> Formatter:
    """Write a count: a number, which the spreadsheet-safe form leaves alone like every number."""

    def fmt(row: Row, params: Params) -> str | None:
        value = row[name]
        return None if value is None else str(int(value))

    def sql(vendor: str, cols: Sequence[str], params: Params) -> SqlExpr:
        return f"CAST({cols[0]} AS TEXT)", []

    return Formatter((name,), fmt, sql, quote_free=True)


# The spreadsheet-safe form's characters as code points: tests of the first character,
# which cost the database next to nothing on the values they leave alone.
_TRIGGER_CODES = ", ".join(str(ord(c)) for c in sorted(TRIGGERS))
_FIRST_CODES = ", ".join(str(ord(c)) for c in sorted(TRIGGERS + QUOTE))
_HIGHEST_CODE = max(ord(c) for c in TRIGGERS + QUOTE)  # "@": letters come after it


def _safe(value: str, params: Params) -> str:
    return protect(value) if params.spreadsheet_safe else value


def _safe_sql(vendor: str, expr: SqlExpr, params: Params) -> SqlExpr:
    """Wrap a text cell's SQL in reporting.spreadsheet's rule when the run writes spreadsheet-safe.

    The tests go from cheapest to dearest and stop at the first that fails.
    Most values start with a letter, past every character the rule looks at:
    SQLite sees that in a plain comparison of text (bytes), PostgreSQL in the
    first character's code (a comparison of text there follows the database's
    collation). Then the list, and ltrim() only for the rare value that starts
    with `'` or a trigger. Over 1M rows of the widest export (54 text columns)
    the rule costs SQLite 13% more CPU this way, 17% with the IN list first
    and 19% with unicode() first; PostgreSQL about 6%. NULL stays NULL.
    """
    if not params.spreadsheet_safe:
        return expr
    value, args = expr
    quote = "''''"  # the SQL literal of one '
    if vendor == "postgresql":
        first, below = "ascii", f"ascii({value}) <= {_HIGHEST_CODE}"
    else:
        first, below = "unicode", f"{value} < '{chr(_HIGHEST_CODE + 1)}'"
    sql = (
        f"(CASE WHEN {below} AND {first}({value}) IN ({_FIRST_CODES})"
        f" AND {first}(ltrim({value}, {quote})) IN ({_TRIGGER_CODES})"
        f" THEN {quote} || {value} ELSE {value} END)"
    )
    return sql, args * 5  # the value's placeholders, once per use


def _codes(places: int) -> str:
    return ", ".join(f"'{code}'" for code, exp in sorted(EXPONENTS.items()) if exp == places)


def currency_unit(column: str) -> str:
    """Return the PostgreSQL expression of the currency's minor unit, an exact NUMERIC (1, 0.01 or 0.001)."""
    return f"(CASE WHEN {column} IN ({_codes(0)}) THEN 1 WHEN {column} IN ({_codes(3)}) THEN 0.001 ELSE 0.01 END)"


def _sqlite_decimal(value: str, places: int) -> str:
    # Integer arithmetic only (SQLite would go through doubles otherwise); the sign
    # is written apart so that -5 cents is "-0.05", not "0.05".
    unit = 10**places
    return (
        f"(CASE WHEN {value} < 0 THEN '-' ELSE '' END || (abs({value}) / {unit}) "
        f"|| '.' || printf('%%0{places}d', abs({value}) %% {unit}))"
    )


def money(name: str, *, sign: int = 1, currency_field: str = "currency") -> Formatter:
    """Write an amount in major units with the currency's exponent; `decimal_separator` replaces the point."""

    def fmt(row: Row, params: Params) -> str | None:
        value = row[name]
        if value is None:
            return None
        text = format_amount(sign * value, row[currency_field])
        return text if params.decimal_separator == "." else text.replace(".", params.decimal_separator)

    def sql(vendor: str, cols: Sequence[str], params: Params) -> SqlExpr:
        amount, currency = cols[:2]
        value = f"({amount})" if sign == 1 else f"(-{amount})"
        if vendor == "postgresql":
            # bigint × NUMERIC unit is exact and has the unit's scale: -5 × 0.01 = -0.05.
            # The unit is worked out once per row (see engine._pg_rows), not by a
            # CASE over the currency lists repeated in every amount column.
            expr = f"CAST({value} * {cols[2]} AS TEXT)"
        else:
            expr = (
                f"(CASE WHEN {amount} IS NULL THEN NULL"
                f" WHEN {currency} IN ({_codes(0)}) THEN CAST({value} AS TEXT)"
                f" WHEN {currency} IN ({_codes(3)}) THEN {_sqlite_decimal(value, 3)}"
                f" ELSE {_sqlite_decimal(value, 2)} END)"
            )
        if params.decimal_separator == ".":
            return expr, []
        return f"REPLACE({expr}, '.', %s)", [params.decimal_separator]

    return Formatter((name, currency_field), fmt, sql, quote_free=True, units=(currency_field,))


def timestamp(name: str, *, local: bool = False) -> Formatter:
    """Write `YYYY-MM-DD HH:MM:SS`, in UTC or (local=True) in the run's timezone."""

    def fmt(row: Row, params: Params) -> str | None:
        value: datetime | None = row[name]
        if value is None:
            return None
        return value.astimezone(params.timezone if local else UTC).strftime("%Y-%m-%d %H:%M:%S")

    def sql(vendor: str, cols: Sequence[str], params: Params) -> SqlExpr | None:
        zone = params.timezone.key if local else "UTC"
        if vendor == "postgresql":
            # Under DateStyle ISO a timestamp without fraction prints "YYYY-MM-DD HH:MM:SS";
            # date_trunc drops the fraction as Python does (a cast to timestamp(0) would
            # round), cheaper than cutting the text or to_char().
            return f"CAST(date_trunc('second', {cols[0]} AT TIME ZONE %s) AS TEXT)", [zone]
        if vendor == "sqlite" and zone in UTC_NAMES:
            # Django stores UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]": keep the seconds.
            return f"substr({cols[0]}, 1, 19)", []
        return None  # SQLite has no time zone database: Python formats local times

    return Formatter((name,), fmt, sql, quote_free=True)


def boolean(name: str) -> Formatter:
    """Write `true` / `false`, lowercase as in Stripe's files; null stays empty."""

    def fmt(row: Row, params: Params) -> str | None:
        value = row[name]
        return None if value is None else ("true" if value else "false")

    def sql(vendor: str, cols: Sequence[str], params: Params) -> SqlExpr:
        truth = cols[0] if vendor == "postgresql" else f"{cols[0]} = 1"
        return f"(CASE WHEN {truth} THEN 'true' WHEN NOT ({truth}) THEN 'false' END)", []

    return Formatter((name,), fmt, sql, quote_free=True)


# Metadata keys the SQL paths look up directly; any other key (quotes, dots,
# a leading `$` that SQLite would read as a path) is looked up in Python.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-]+")


def metadata(name: str, key: str) -> Formatter:
    """Write one key of a metadata object (`payment_metadata[order_id]`); missing keys are empty cells."""

    def fmt(row: Row, params: Params) -> str | None:
        value = (row[name] or {}).get(key)
        return None if value is None else _safe(str(value), params)

    def sql(vendor: str, cols: Sequence[str], params: Params) -> SqlExpr | None:
        if vendor == "postgresql":
            return _safe_sql(vendor, (f"({cols[0]} ->> %s)", [key]), params)
        if vendor == "sqlite" and _PLAIN_KEY.fullmatch(key):
            return _safe_sql(vendor, (f"json_extract({cols[0]}, %s)", [f"$.{key}"]), params)
        return None

    return Formatter((name,), fmt, sql, null_only_from_null=False)


def fields_of(columns: Sequence[Column]) -> list[str]:
    """Return the ledger fields the columns read, each once, in order."""
    return list(dict.fromkeys(f for c in columns for f in c.format.fields))


def csv_line(cells: Iterable[str | None]) -> str:
    """Join cells into one CSV line: every value quoted, null written as nothing.

    Stripe's files keep ",," (null) and ',"",' (empty string) apart; the csv
    module of Python 3.11 cannot.
    """
    return ",".join("" if c is None else '"' + c.replace('"', '""') + '"' for c in cells) + "\n"


def write_rows(
    rows: Iterable[Row], columns: Sequence[Column], params: Params, out: IO[bytes], watcher: Watcher = UNWATCHED
) -> int:
    """Format rows in Python and write them CHUNK_ROWS lines at a time; return how many."""
    lines = (csv_line(c.format(row, params) for c in columns) for row in rows)
    count = 0
    while chunk := list(islice(lines, CHUNK_ROWS)):
        out.write("".join(chunk).encode())
        count += len(chunk)
        watcher.rows(len(chunk))
    return count
