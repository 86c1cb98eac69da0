"""Stream an itemized report out of the database at the speed the database hands rows out.

One SQL statement per report, built from the columns' declarations:
- PostgreSQL: `COPY (SELECT <formatted columns> ...) TO STDOUT WITH CSV FORCE_QUOTE *`,
  whose output is already Stripe's CSV, passed block by block to the file.
- SQLite: a SELECT that builds each whole CSV line in SQL, fetched in chunks.
- Anything a database cannot format in SQL (local times on SQLite) falls back
  to chunked reads formatted in Python.
Per-row Python work is what makes exports slow; this keeps it out of the loop.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta
from typing import IO, TYPE_CHECKING, Any

import psycopg
from django.db import connections, models, transaction
from django.db.models import F, Sum
from psycopg import sql as pg_sql

from reporting.models import DailyTotal

from .formats import SqlExpr, currency_unit

if TYPE_CHECKING:
    from .base import Column, Params

CHUNK_ROWS = 5000
# Reports with at least this many ledger rows in their interval are copied in two halves at once.
PARALLEL_MIN_ROWS = 200_000
SPILL_BLOCK = 1 << 20
WRITE_BLOCK = 1 << 18
# Set for each COPY's transaction. DateStyle ISO is the text the formatters
# expect. JIT compiles the formatting expressions anew for every COPY, which
# costs more than it saves on a plain scan (measured: -8% time at 1M rows off).
SESSION = ("SET LOCAL datestyle TO 'ISO, YMD'", "SET LOCAL jit = off")


def stream(
    queryset: models.QuerySet[Any],
    columns: Sequence[Column],
    params: Params,
    out: IO[bytes],
    ordering: Sequence[str] = ("effective_at", "pk"),
) -> int:
    """Write the data rows of `queryset`, sorted by the `ordering` fields, as CSV lines; return how many."""
    fields = list(dict.fromkeys(f for c in columns for f in c.format.fields))
    alias = {field: f"f{i}" for i, field in enumerate(fields)}
    keys = {f"o{i}": F(field) for i, field in enumerate(ordering)}
    # Select each field under a plain alias, plus the ordering keys.
    inner = queryset.order_by().annotate(**keys, **{a: F(f) for f, a in alias.items()})
    inner_sql, inner_params = inner.values(*alias.values(), *keys).query.get_compiler(using=queryset.db).as_sql()
    connection = connections[queryset.db]
    units = _units(connection.vendor, columns, alias)
    exprs: list[SqlExpr | None] = [
        c.format.sql(
            connection.vendor,
            [f"t.{alias[f]}" for f in c.format.fields] + [f"t.{units[f]}" for f in c.format.units if f in units],
            params,
        )
        for c in columns
    ]
    order = f"ORDER BY {', '.join(f't.{key}' for key in keys)}"
    if all(e is not None for e in exprs):
        sql_exprs = [e for e in exprs if e is not None]
        if connection.vendor == "postgresql":

            def rows(where: str = "") -> str:
                return f"FROM ({_pg_rows(inner_sql, keys, alias, units, where)}) t {order}"

            split = _split_point(connection, params) if ordering[0] == "effective_at" else None
            if split is not None:
                halves = (rows("WHERE i.o0 < %s"), rows("WHERE i.o0 >= %s"))
                return _parallel_copy(connection, sql_exprs, halves, [*inner_params, split], out)
            return _copy(connection, sql_exprs, rows(), list(inner_params), out)
        quote_free = [c.format.quote_free for c in columns]
        never_null = [_never_null(queryset.model, c) for c in columns]
        source = f"FROM ({inner_sql}) t {order}"
        return _lines(connection, sql_exprs, quote_free, never_null, source, list(inner_params), out)
    return _python(queryset.order_by(*ordering), columns, fields, params, out)


def _units(vendor: str, columns: Sequence[Column], alias: dict[str, str]) -> dict[str, str]:
    """On PostgreSQL, an alias for the minor unit of each currency field the columns read it of."""
    if vendor != "postgresql":
        return {}
    return {field: f"u{i}" for i, field in enumerate(dict.fromkeys(f for c in columns for f in c.format.units))}


def _pg_rows(inner_sql: str, keys: dict[str, Any], alias: dict[str, str], units: dict[str, str], where: str) -> str:
    """The sorted rows with each currency's unit worked out once per row.

    PostgreSQL would inline a subquery's CASE into every amount column that
    reads it; OFFSET 0 keeps this SELECT apart, so each unit is computed once,
    and its ORDER BY walks the (account, livemode, effective_at) index. (A join
    to a table of units would do, but a hash join loses the order: a sort.)
    """
    unit_sql = "".join(f", {currency_unit(f'i.{alias[f]}')} AS {u}" for f, u in units.items())
    order = ", ".join(f"i.{key}" for key in keys)
    return f"SELECT i.*{unit_sql} FROM ({inner_sql}) i {where} ORDER BY {order} OFFSET 0"


def _expr_params(exprs: Sequence[SqlExpr]) -> tuple[list[str], list[Any]]:
    sql = [e[0] for e in exprs]
    args = [a for e in exprs for a in e[1]]
    return sql, args


def _copy_statement(exprs: Sequence[SqlExpr], source: str) -> str:
    # FORCE_QUOTE * quotes every non-null value and leaves NULL empty: Stripe's dialect.
    sql = ", ".join(e[0] for e in exprs)
    return f"COPY (SELECT {sql} {source}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)"


def _copy_rows(cursor: psycopg.Cursor[Any], statement: str, params: list[Any], out: IO[bytes]) -> int:
    """Pass a COPY's output to `out`; return its row count (read before the cursor closes: then it is -1).

    PostgreSQL sends a COPY row by row; gathering the rows into blocks of
    WRITE_BLOCK bytes makes one write (and one hash update) per block, not per row.
    """
    buffer = bytearray()
    with cursor.copy(statement, params) as copy:
        for row in copy:
            buffer += row
            if len(buffer) >= WRITE_BLOCK:
                out.write(buffer)
                buffer.clear()
    if buffer:
        out.write(buffer)
    return int(cursor.rowcount)


def _copy(connection: Any, exprs: Sequence[SqlExpr], source: str, params: list[Any], out: IO[bytes]) -> int:
    _, args = _expr_params(exprs)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for setting in SESSION:
            cursor.execute(setting)
        # psycopg's own cursor: Django's wrapper has no copy().
        return _copy_rows(cursor.cursor, _copy_statement(exprs, source), [*args, *params], out)


def _split_point(connection: Any, params: Params) -> datetime | None:
    """The UTC midnight that halves a large report's rows, from the daily totals; None for small ones.

    Formatting amounts and times in SQL costs the database about as much CPU as
    reading the rows: one backend formats at about half the speed it reads. Two
    backends, each on half of the interval, use both cores (pg_dump --jobs does
    the same). Below PARALLEL_MIN_ROWS the second connection is not worth it,
    and inside a transaction it would not see that transaction's rows.
    """
    start, end = params.interval_start, params.interval_end
    if start is None or end is None or connection.in_atomic_block:
        return None
    days = (
        DailyTotal.objects.filter(
            account_id=params.account_id, livemode=params.livemode, day__gte=start.date(), day__lte=end.date()
        )
        .values_list("day")
        .annotate(rows=Sum("count"))
        .order_by("day")
    )
    counts = list(days)
    total = sum(rows for _, rows in counts)
    if total < PARALLEL_MIN_ROWS:
        return None
    seen = 0
    for day, rows in counts:
        seen += rows
        if seen * 2 >= total:
            split = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
            return split if start < split < end else None
    return None


def _parallel_copy(
    connection: Any, exprs: Sequence[SqlExpr], halves: tuple[str, str], params: list[Any], out: IO[bytes]
) -> int:
    """Run the two halves' COPYs at once on two connections sharing one snapshot; write them in order.

    The first half streams into `out`, the second into a temporary file that is
    appended after it, so the bytes are those of one COPY over the whole interval.
    """
    _, args = _expr_params(exprs)
    copies = [_copy_statement(exprs, half) for half in halves]
    first, second = (psycopg.connect(**connection.get_connection_params()) for _ in range(2))
    try:
        for conn in (first, second):
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
        snapshot = first.execute("SELECT pg_export_snapshot()").fetchone()
        assert snapshot is not None
        second.execute(pg_sql.SQL("SET TRANSACTION SNAPSHOT {}").format(pg_sql.Literal(snapshot[0])))
        for conn in (first, second):
            for setting in SESSION:
                conn.execute(setting)
            # The two halves already use both cores; parallel workers under each
            # (Gather) would only wait on their leader, which formats every row
            # (measured at 1M rows: 2.0 s with them, 1.6 s without).
            conn.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        with tempfile.TemporaryFile() as spill, ThreadPoolExecutor(max_workers=1) as pool:
            later = pool.submit(_copy_on, second, copies[1], [*args, *params], spill)
            count = _copy_on(first, copies[0], [*args, *params], out)
            count += later.result()
            spill.seek(0)
            shutil.copyfileobj(spill, out, SPILL_BLOCK)
        return count
    finally:
        first.close()
        second.close()


def _copy_on(conn: psycopg.Connection[Any], statement: str, params: list[Any], out: IO[bytes]) -> int:
    with conn.cursor() as cursor:
        return _copy_rows(cursor, statement, params, out)


def _lines(
    connection: Any,
    exprs: Sequence[SqlExpr],
    quote_free: Sequence[bool],
    never_null: Sequence[bool],
    source: str,
    params: list[Any],
    out: IO[bytes],
) -> int:
    sql, args = _expr_params(exprs)
    # Each cell quoted (quotes inside doubled, unless none can occur), NULL left
    # empty, all joined into one line. Neighbouring cells that are never NULL
    # share one run of quotes and separators: fewer concatenations per row.
    cells = [e if free else f"""REPLACE({e}, '"', '""')""" for e, free in zip(sql, quote_free, strict=True)]
    parts: list[str] = []
    run: list[str] = []
    for cell, solid in zip(cells, never_null, strict=True):
        if solid:
            run.append(cell)
            continue
        if run:
            parts.append(_quoted_run(run))
            run = []
        parts.append(f"""COALESCE('"' || {cell} || '"', '')""")
    if run:
        parts.append(_quoted_run(run))
    line = " || ',' || ".join(parts)
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {line} {source}", [*args, *params])
        while rows := cursor.fetchmany(CHUNK_ROWS):
            out.write(("\n".join(r[0] for r in rows) + "\n").encode())
            count += len(rows)
    return count


def _quoted_run(cells: Sequence[str]) -> str:
    return """'"' || """ + """ || '","' || """.join(cells) + """ || '"'"""


def _never_null(model: type[models.Model], column: Column) -> bool:
    """True when the cell cannot be NULL: its formatter keeps values and its fields are NOT NULL columns."""
    if not column.format.fields or not column.format.null_only_from_null:
        return False
    for name in column.format.fields:
        if "__" in name:  # across a (nullable) relation
            return False
        if getattr(model._meta.get_field(name), "null", True):
            return False
    return True


def _python(
    queryset: models.QuerySet[Any], columns: Sequence[Column], fields: list[str], params: Params, out: IO[bytes]
) -> int:
    """Format in Python: the ORM converts values (datetimes) that raw SQLite rows leave as text."""
    from .base import write_rows

    rows = queryset.values(*fields).iterator(chunk_size=CHUNK_ROWS)
    return write_rows(rows, columns, params, out)
