"""INSERT many new rows fast: COPY on PostgreSQL, one prepared statement run per row on SQLite.

The demo ledger's generator and the ledger import write hundreds of thousands of
rows; Django's bulk_create would spend most of their time building model
instances and compiling statements.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import connection, models

# Values these fields take as they are; every other kind (times, JSON) goes through
# the field's own conversion, as Django's bulk_create would do.
_PLAIN_FIELDS = (models.CharField, models.BigIntegerField, models.BooleanField, models.ForeignKey)


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT rows (attname -> value); columns a row leaves out take the field's default.

    bulk_create() builds a model instance per row and compiles a statement per
    dozen rows on SQLite (999 parameters; the ledger has 70 columns): most of the
    generator's time. These rows are all new and made here, so they skip that and
    keep only each field's conversion to a database value (times, JSON).
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    spec = [
        (
            f.attname,
            f.get_default(),
            None if isinstance(f, _PLAIN_FIELDS) else partial(f.get_db_prep_save, connection=connection),
        )
        for f in fields
    ]
    values = [
        [
            value if (value := row.get(name, default)) is None or convert is None else convert(value)
            for name, default, convert in spec
        ]
        for row in rows
    ]
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):  # psycopg 3
            # One COPY: no statement to parse, and the daily-totals trigger (per
            # statement) runs once for the whole chunk.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        # In-process SQLite: one prepared statement run per row is its fastest path.
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", values)
