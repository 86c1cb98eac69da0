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

from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from django.db import connections, models, transaction
from django.db.models import F

from .formats import SqlExpr

if TYPE_CHECKING:
    from .base import Column, Params

CHUNK_ROWS = 5000


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
    exprs: list[SqlExpr | None] = [
        c.format.sql(connection.vendor, [f"t.{alias[f]}" for f in c.format.fields], params) for c in columns
    ]
    source = f"FROM ({inner_sql}) t ORDER BY {', '.join(f't.{key}' for key in keys)}"
    if all(e is not None for e in exprs):
        sql_exprs = [e for e in exprs if e is not None]
        if connection.vendor == "postgresql":
            return _copy(connection, sql_exprs, source, list(inner_params), out)
        quote_free = [c.format.quote_free for c in columns]
        return _lines(connection, sql_exprs, quote_free, source, list(inner_params), out)
    return _python(queryset.order_by(*ordering), columns, fields, params, out)


def _expr_params(exprs: Sequence[SqlExpr]) -> tuple[list[str], list[Any]]:
    sql = [e[0] for e in exprs]
    args = [a for e in exprs for a in e[1]]
    return sql, args


def _copy(connection: Any, exprs: Sequence[SqlExpr], source: str, params: list[Any], out: IO[bytes]) -> int:
    sql, args = _expr_params(exprs)
    select = f"SELECT {', '.join(sql)} {source}"
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET LOCAL datestyle TO 'ISO, YMD'")
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        # FORCE_QUOTE * quotes every non-null value and leaves NULL empty: Stripe's dialect.
        with raw.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)", [*args, *params]) as copy:
            for block in copy:
                out.write(block)
        return int(raw.rowcount)


def _lines(
    connection: Any,
    exprs: Sequence[SqlExpr],
    quote_free: Sequence[bool],
    source: str,
    params: list[Any],
    out: IO[bytes],
) -> int:
    sql, args = _expr_params(exprs)
    # Each cell quoted (quotes inside doubled, unless none can occur), NULL left
    # empty, all joined into one line.
    cells = [e if free else f"""REPLACE({e}, '"', '""')""" for e, free in zip(sql, quote_free, strict=True)]
    line = " || ',' || ".join(f"""COALESCE('"' || {cell} || '"', '')""" for cell in cells)
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {line} {source}", [*args, *params])
        while rows := cursor.fetchmany(CHUNK_ROWS):
            out.write(("\n".join(r[0] for r in rows) + "\n").encode())
            count += len(rows)
    return count


def _python(
    queryset: models.QuerySet[Any], columns: Sequence[Column], fields: list[str], params: Params, out: IO[bytes]
) -> int:
    """Format in Python: the ORM converts values (datetimes) that raw SQLite rows leave as text."""
    from .base import write_rows

    rows = queryset.values(*fields).iterator(chunk_size=CHUNK_ROWS)
    return write_rows(rows, columns, params, out)
