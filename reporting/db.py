"""Hand-written SELECTs for the hot paths (API by id and lists, the dashboard's run table)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from reporting.models import Account, File, Membership, ReportRun, ReportType, User

M = TypeVar("M", bound=Model)


class Columns(Generic[M]):
    """A model's concrete columns under a table alias, for SQL written out once per process.

    Building a queryset and compiling it cost the API's hot paths more than running
    the query; this selects the same columns and turns a row into an instance with
    the converters Django's compiler would apply (dates on SQLite, JSON, booleans).
    `only` names the fields to select (the primary key among them); the others
    are deferred, as QuerySet.only() would leave them.
    """

    def __init__(self, model: type[M], alias: str, only: Sequence[str] = ()) -> None:
        self.model, self.alias = model, alias
        self.fields = [f for f in model._meta.concrete_fields if not only or f.attname in only]
        self.attnames = [f.attname for f in self.fields]
        self.pk_index = self.fields.index(model._meta.pk)
        self._converters: dict[str, list[tuple[int, list[Any], Any]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def select(self, conn: BaseDatabaseWrapper) -> str:
        q = conn.ops.quote_name
        return ", ".join(f"{q(self.alias)}.{q(f.column)}" for f in self.fields)

    def converters(self, conn: BaseDatabaseWrapper) -> list[tuple[int, list[Any], Any]]:
        found = self._converters.get(conn.alias)
        if found is None:
            found = []
            for i, model_field in enumerate(self.fields):
                col = model_field.get_col(self.alias)
                converters = conn.ops.get_db_converters(col) + col.get_db_converters(conn)
                if converters:
                    found.append((i, converters, col))
            self._converters[conn.alias] = found
        return found

    def build(self, conn: BaseDatabaseWrapper, values: Sequence[Any]) -> M | None:
        """The instance of these values (a slice of one row), or None for a LEFT JOIN that matched nothing."""
        if values[self.pk_index] is None:
            return None
        row = list(values)
        for i, converters, col in self.converters(conn):
            value = row[i]
            for converter in converters:
                value = converter(value, col, conn)
            row[i] = value
        return self.model.from_db(conn.alias, self.attnames, row)


def build_row(conn: BaseDatabaseWrapper, row: Sequence[Any], tables: Sequence[Columns[Any]]) -> list[Any]:
    """The instances of one row that selected `tables`' columns one after the other (None for an unmatched join)."""
    instances = []
    start = 0
    for columns in tables:
        instances.append(columns.build(conn, row[start : start + len(columns)]))
        start += len(columns)
    return instances


# What the run table shows (views.run_rows): every column read is converted, 20 rows every 2 s.
RUN_COLUMNS = Columns(
    ReportRun, "r", ("id", "report_type_id", "parameters", "status", "error", "result_id", "created", "started_at")
)
RUN_TYPE_COLUMNS = Columns(ReportType, "t", ("id", "name"))
RUN_FILE_COLUMNS = Columns(File, "f", ("id", "size"))


def run_table_page(
    account_id: str, livemode: bool, *, after: str | None = None, before: str | None = None, limit: int
) -> list[ReportRun]:
    """Up to `limit` runs of an account and mode for the dashboard's table, report type and file loaded.

    Newest first; `after=<run id>` gives the runs older than that run, `before=` the
    newer ones (oldest first: the caller reverses them). One statement, written out:
    the table is polled every 2 s while a run is pending, and compiling the
    queryset (three tables, keyset condition) cost more than running it.
    """
    q = connection.ops.quote_name
    tables = (RUN_COLUMNS, RUN_TYPE_COLUMNS, RUN_FILE_COLUMNS)
    table = q(ReportRun._meta.db_table)
    params: list[Any] = [account_id, livemode]
    where = f"{q('r')}.{q('account_id')} = %s AND {q('r')}.{q('livemode')} = %s"
    descending = before is None
    if after or before:
        # Row values order (created, id) pairs; no such run (another account's, a
        # deleted one) compares as NULL: no rows.
        where += (
            f" AND ({q('r')}.{q('created')}, {q('r')}.{q('id')}) {'<' if descending else '>'} "
            f"(SELECT {q('c')}.{q('created')}, {q('c')}.{q('id')} FROM {table} {q('c')} "
            f"WHERE {q('c')}.{q('id')} = %s AND {q('c')}.{q('account_id')} = %s AND {q('c')}.{q('livemode')} = %s)"
        )
        params += [before or after, account_id, livemode]
    direction = "DESC" if descending else "ASC"
    sql = (
        f"SELECT {', '.join(c.select(connection) for c in tables)} FROM {table} {q('r')} "
        f"INNER JOIN {q(ReportType._meta.db_table)} {q('t')} ON {q('t')}.{q('id')} = {q('r')}.{q('report_type_id')} "
        f"LEFT JOIN {q(File._meta.db_table)} {q('f')} ON {q('f')}.{q('id')} = {q('r')}.{q('result_id')} "
        f"WHERE {where} ORDER BY {q('r')}.{q('created')} {direction}, {q('r')}.{q('id')} {direction} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    runs: list[ReportRun] = []
    for row in rows:
        run: ReportRun
        run, run.report_type, run.result = build_row(connection, row, tables)
        runs.append(run)
    return runs


USER_COLUMNS = Columns(User, "u")
MEMBERSHIP_COLUMNS = Columns(Membership, "m")
ACCOUNT_COLUMNS = Columns(Account, "a")


def user_by_id(pk: Any) -> User | None:
    """The user of a session: read on every dashboard request."""
    q = connection.ops.quote_name
    sql = (
        f"SELECT {USER_COLUMNS.select(connection)} FROM {q(User._meta.db_table)} {q('u')} WHERE {q('u')}.{q('id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    return None if row is None else USER_COLUMNS.build(connection, row)


def first_membership(user_id: Any) -> Membership | None:
    """The user's membership the dashboard shows (accounts by name), its account loaded; read on every request."""
    q = connection.ops.quote_name
    sql = (
        f"SELECT {MEMBERSHIP_COLUMNS.select(connection)}, {ACCOUNT_COLUMNS.select(connection)} "
        f"FROM {q(Membership._meta.db_table)} {q('m')} "
        f"INNER JOIN {q(Account._meta.db_table)} {q('a')} ON {q('a')}.{q('id')} = {q('m')}.{q('account_id')} "
        f"WHERE {q('m')}.{q('user_id')} = %s ORDER BY {q('a')}.{q('name')}, {q('m')}.{q('id')} LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    membership: Membership
    membership, membership.account = build_row(connection, row, (MEMBERSHIP_COLUMNS, ACCOUNT_COLUMNS))
    return membership
