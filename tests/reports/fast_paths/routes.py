"""Writing a report, and spies on the route it takes: COPY (PostgreSQL), SQL lines (SQLite) or the Python fallback."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from unittest import mock

from django.db import connection, transaction

from reporting.reports import Params, Report, engine, get_report
from tests.reports.reference.catalogue import DEFAULTS, ITEMIZED_TYPES, LOCAL_TWINS, PAYOUTS_LOCAL
from tests.reports.reference.cells import METADATA


def write(report_type: str, params: Params) -> tuple[bytes, int]:
    out = io.BytesIO()
    count = get_report(report_type).write(params, out)
    return out.getvalue(), count


def _without_sql(vendor, cols, params):
    return None


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@contextmanager
def sql_path_only() -> Iterator[mock.MagicMock]:
    """Fail on the Python fallback; yield a spy on this database's SQL path."""
    fast = "_copy" if connection.vendor == "postgresql" else "_lines"
    with (
        mock.patch.object(engine, "_python", side_effect=AssertionError("the Python fallback ran")),
        mock.patch.object(engine, fast, wraps=getattr(engine, fast)) as spy,
    ):
        yield spy


@contextmanager
def python_fallback(report: Report) -> Iterator[mock.MagicMock]:
    """Make every column of `report` unformattable in SQL; yield a spy on the Python fallback."""
    selected = report.selected_columns

    def no_sql_columns(params: Params):
        return [replace(c, format=replace(c.format, sql=_without_sql)) for c in selected(params)]

    with (
        mock.patch.object(report, "selected_columns", no_sql_columns),
        mock.patch.object(engine, "_copy", side_effect=AssertionError("COPY ran")),
        mock.patch.object(engine, "_lines", side_effect=AssertionError("SQL lines ran")),
        mock.patch.object(engine, "_python", wraps=engine._python) as spy,
    ):
        yield spy


def sql_can_format(report_type: str, params: Params) -> bool:
    """Whether this database must format every chosen column in SQL (else the Python fallback may run).

    PostgreSQL formats everything; SQLite has no time zone database (local times only
    in UTC, whichever name it goes by) and looks up only plain metadata keys in SQL.
    """
    if connection.vendor == "postgresql":
        return True
    spec = ITEMIZED_TYPES[report_type]
    # A version without `timezone` writes every time in UTC.
    local = (PAYOUTS_LOCAL if spec.rows == "payouts" else LOCAL_TWINS) if spec.timezone else set()
    for name in params.columns or DEFAULTS[report_type]:
        if name in local and params.timezone.key not in ("UTC", "Etc/UTC"):
            return False
        match = METADATA.fullmatch(name)
        if match and not re.fullmatch(r"[A-Za-z0-9_]+", match[2]):
            return False
    return True


@contextmanager
def sql_path_where_possible(report_type: str, params: Params) -> Iterator[mock.MagicMock]:
    """Spy on both routes; fail unless exactly one ran, and the SQL one where it can do the columns."""
    fast = "_copy" if connection.vendor == "postgresql" else "_lines"
    with (
        mock.patch.object(engine, "_python", wraps=engine._python) as python,
        mock.patch.object(engine, fast, wraps=getattr(engine, fast)) as spy,
    ):
        yield spy
    assert spy.call_count + python.call_count == 1
    if sql_can_format(report_type, params):
        assert spy.call_count == 1, "the Python fallback ran for columns SQL can format"
