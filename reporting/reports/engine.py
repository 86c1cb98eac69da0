"""Stream an itemized report out of the database at the speed the database hands rows out.

One SQL statement per report, built from the columns' declarations:
- PostgreSQL: `COPY (SELECT <formatted columns> ...) TO STDOUT WITH CSV FORCE_QUOTE *`,
  whose output is already Stripe's CSV, passed chunk by chunk to the file; a
  large report is copied in two halves at once, on Django's connection and a
  second one made from the same database settings, both reading one snapshot.
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

from django.db import connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from psycopg import sql as pg_sql

from .formats import CHUNK_ROWS, currency_unit, fields_of, write_rows
from .totals import rows_per_day
from .watcher import UNWATCHED, Watcher

if TYPE_CHECKING:
    import psycopg

    from .base import Column, Params

# Reports with at least this many ledger rows in their interval are copied in two halves at once.
PARALLEL_MIN_ROWS = 200_000
# Set in each COPY's transaction. DateStyle ISO is the text the formatters
# expect. JIT would compile the formatting expressions anew for every COPY,
# which costs more than it saves on a plain scan.
SESSION = ("SET LOCAL datestyle TO 'ISO, YMD'", "SET LOCAL jit = off")
# The two halves already use both cores; parallel workers under each (Gather)
# would only wait on their leader, which formats every row.
PARALLEL_SESSION = (*SESSION, "SET LOCAL max_parallel_workers_per_gather = 0")
# Every statement of the transaction reads one snapshot: the first half's, which the second imports.
SNAPSHOT_READER = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"


def stream(
    queryset: models.QuerySet[Any],
    columns: Sequence[Column],
    params: Params,
    out: IO[bytes],
    ordering: Sequence[str],
    watcher: Watcher = UNWATCHED,
) -> int:
    """Write the data rows of `queryset`, sorted by the `ordering` fields, as CSV lines; return how many.

    `watcher` hears the rows once per chunk, and the second connection of a parallel copy.
    """
    fields = fields_of(columns)
    alias = {field: f"f{i}" for i, field in enumerate(fields)}
    keys = {f"o{i}": F(field) for i, field in enumerate(ordering)}
    # Select each field under a plain alias, plus the ordering keys.
    inner = queryset.order_by().annotate(**keys, **{a: F(f) for f, a in alias.items()})
    inner_sql, inner_params = inner.values(*alias.values(), *keys).query.get_compiler(using=queryset.db).as_sql()
    connection = connections[queryset.db]
    vendor = connection.vendor
    units = _units(columns) if vendor == "postgresql" else {}
    exprs = [
        c.format.sql(
            vendor,
            [f"t.{alias[f]}" for f in c.format.fields] + [f"t.{units[f]}" for f in c.format.units if f in units],
            params,
        )
        for c in columns
    ]
    sql_exprs = [e for e in exprs if e is not None]
    if len(sql_exprs) < len(exprs):
        return _python(queryset.order_by(*ordering), columns, fields, params, out, watcher)
    sql, args = [e[0] for e in sql_exprs], [a for e in sql_exprs for a in e[1]]
    order = f"ORDER BY {', '.join(f't.{key}' for key in keys)}"
    if vendor == "postgresql":

        def select(where: str = "") -> str:
            return f"SELECT {', '.join(sql)} FROM ({_pg_rows(inner_sql, keys, alias, units, where)}) t {order}"

        split = _split_point(connection, params) if ordering[0] == "effective_at" else None
        if split is None:
            return _copy(connection, select(), [*args, *inner_params], out, watcher)
        halves = (select("WHERE i.o0 < %s"), select("WHERE i.o0 >= %s"))
        return _parallel_copy(connection, halves, [*args, *inner_params, split], out, watcher)
    line = _sql_line(sql, [c.format.quote_free for c in columns], [_never_null(queryset.model, c) for c in columns])
    return _lines(connection, f"SELECT {line} FROM ({inner_sql}) t {order}", [*args, *inner_params], out, watcher)


def _units(columns: Sequence[Column]) -> dict[str, str]:
    """Alias the minor unit of each currency field the columns read one of (PostgreSQL)."""
    return {field: f"u{i}" for i, field in enumerate(dict.fromkeys(f for c in columns for f in c.format.units))}


def _pg_rows(inner_sql: str, keys: dict[str, Any], alias: dict[str, str], units: dict[str, str], where: str) -> str:
    """Select the sorted rows with each currency's unit worked out once per row.

    PostgreSQL would inline a subquery's CASE into every amount column that
    reads it; OFFSET 0 keeps this SELECT apart, so each unit is computed once,
    and its ORDER BY walks the (account, livemode, effective_at) index. (A join
    to a table of units would do, but a hash join loses the order: a sort.)
    """
    unit_sql = "".join(f", {currency_unit(f'i.{alias[f]}')} AS {u}" for f, u in units.items())
    order = ", ".join(f"i.{key}" for key in keys)
    return f"SELECT i.*{unit_sql} FROM ({inner_sql}) i {where} ORDER BY {order} OFFSET 0"


def _copy(connection: BaseDatabaseWrapper, select: str, params: list[Any], out: IO[bytes], watcher: Watcher) -> int:
    """Copy the rows of `select` into `out` as CSV; return how many."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for setting in SESSION:
            cursor.execute(setting)
        # psycopg's own cursor: Django's wrapper has no copy().
        return _copy_rows(cursor.cursor, _statement(select), params, out, watcher)


def _split_point(connection: BaseDatabaseWrapper, params: Params) -> datetime | None:
    """Return the UTC midnight that halves a large report's rows, from the daily totals; None for small ones.

    Formatting amounts and times in SQL costs the database about as much CPU as
    reading the rows: one backend formats at about half the speed it reads. Two
    backends, each on half of the interval, use both cores (pg_dump --jobs does
    the same). Below PARALLEL_MIN_ROWS the second connection is not worth it,
    and inside a transaction it would not see that transaction's rows.
    """
    start, end = params.interval_start, params.interval_end
    if start is None or end is None or connection.in_atomic_block:
        return None
    # Every row of the account in the interval: the halves scan them all, whatever the run's filters.
    counts = rows_per_day(params, start, end)
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
    connection: BaseDatabaseWrapper, halves: Sequence[str], params: list[Any], out: IO[bytes], watcher: Watcher
) -> int:
    """Copy the two halves' rows at once, on two connections sharing one snapshot; write them in order.

    The first half streams into `out` from Django's connection; the second, from
    a connection made from the same settings (OPTIONS, pool, role), into a
    temporary file appended after it, so the bytes are those of one COPY over
    the whole interval.
    """
    first, second = (_statement(half) for half in halves)
    other = connections.create_connection(connection.alias)
    try:
        # `other` is not in `connections`, so transaction.atomic() cannot manage it; psycopg's transaction() does.
        with (
            transaction.atomic(using=connection.alias),
            connection.cursor() as ours,
            other.cursor() as theirs,
            other.connection.transaction(),
            watcher.reading(other),
        ):
            ours.execute(SNAPSHOT_READER)
            ours.execute("SELECT pg_export_snapshot()")
            (snapshot,) = ours.fetchone()
            theirs.execute(SNAPSHOT_READER)
            theirs.cursor.execute(pg_sql.SQL("SET TRANSACTION SNAPSHOT {}").format(pg_sql.Literal(snapshot)))
            for cursor in (ours, theirs):
                for setting in PARALLEL_SESSION:
                    cursor.execute(setting)
            with tempfile.TemporaryFile() as spill, ThreadPoolExecutor(max_workers=1) as pool:
                later = pool.submit(_copy_rows, theirs.cursor, second, params, spill, watcher)
                count = _copy_rows(ours.cursor, first, params, out, watcher)
                count += later.result()
                spill.seek(0)
                shutil.copyfileobj(spill, out)
        return count
    finally:
        other.close()  # back to the pool, if the settings configure one


def _statement(select: str) -> str:
    # FORCE_QUOTE * quotes every non-null value and leaves NULL empty: Stripe's dialect.
    return f"COPY ({select}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)"


def _copy_rows(cursor: psycopg.Cursor[Any], statement: str, params: list[Any], out: IO[bytes], watcher: Watcher) -> int:
    """Pass a COPY's output to `out`, CHUNK_ROWS rows per write; return its row count.

    PostgreSQL sends a COPY row by row; one write (and one hash update) per
    chunk instead of per row keeps the file's side out of the way. The count is
    read before the cursor closes (then it is -1).
    """
    buffer = bytearray()
    with cursor.copy(statement, params) as copy:
        for n, row in enumerate(copy, 1):
            buffer += row
            if n % CHUNK_ROWS == 0:
                out.write(buffer)
                buffer.clear()
                watcher.rows(CHUNK_ROWS)
    out.write(buffer)
    count = int(cursor.rowcount)
    watcher.rows(count % CHUNK_ROWS)
    return count


def _sql_line(sql: Sequence[str], quote_free: Sequence[bool], never_null: Sequence[bool]) -> str:
    """Build one CSV line in SQL: each cell quoted (quotes inside doubled), NULL left empty.

    Quotes are doubled only where a cell can hold one. Neighbouring cells that
    are never NULL share one run of quotes and separators: fewer
    concatenations per row.
    """
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
    return " || ',' || ".join(parts)


def _quoted_run(cells: Sequence[str]) -> str:
    return """'"' || """ + """ || '","' || """.join(cells) + """ || '"'"""


def _lines(connection: BaseDatabaseWrapper, statement: str, params: list[Any], out: IO[bytes], watcher: Watcher) -> int:
    """Run a SELECT of whole CSV lines and write them CHUNK_ROWS at a time; return how many."""
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            out.write(("\n".join(r[0] for r in rows) + "\n").encode())
            count += len(rows)
            watcher.rows(len(rows))
    return count


def _never_null(model: type[models.Model], column: Column) -> bool:
    """Tell whether the cell cannot be NULL: its formatter keeps values and its fields are NOT NULL columns."""
    if not column.format.fields or not column.format.null_only_from_null:
        return False
    for name in column.format.fields:
        if "__" in name:  # across a (nullable) relation
            return False
        if getattr(model._meta.get_field(name), "null", True):
            return False
    return True


def _python(
    queryset: models.QuerySet[Any],
    columns: Sequence[Column],
    fields: list[str],
    params: Params,
    out: IO[bytes],
    watcher: Watcher,
) -> int:
    """Format in Python: the ORM converts values (datetimes) that raw SQLite rows leave as text."""
    return write_rows(queryset.values(*fields).iterator(chunk_size=CHUNK_ROWS), columns, params, out, watcher)
