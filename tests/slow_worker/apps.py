"""The slow worker: a balance summary that sleeps first, and a report file that stalls mid-write.

With SLOW_STORAGE_MARKER set, the first report file (the marker does not exist
yet) stops after its first chunk has reached storage (flushed and fsynced on a
local disk; held in memory for an S3 upload), writes the worker process's pid to the marker
and sleeps: the test then kills that process, leaving what a crash leaves. Later
files (the marker exists) are ordinary.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from reporting.apps import ReportingConfig


class SlowReportingConfig(ReportingConfig):
    label = "reporting"

    def ready(self) -> None:
        super().ready()
        from reporting.reports.balance import BalanceSummary
        from reporting.services.uploads import Upload

        original = BalanceSummary.rows

        def slow_rows(self, params, fields):
            time.sleep(float(os.environ.get("SLOW_REPORT_SECONDS", "30")))
            return original(self, params, fields)

        BalanceSummary.rows = slow_rows  # type: ignore[method-assign]

        write = Upload.write

        def stalling_write(self: Upload, data: bytes | memoryview) -> int:
            written = write(self, data)
            marker = os.environ.get("SLOW_STORAGE_MARKER")
            if marker and not Path(marker).exists():
                target: Any = self._target
                if hasattr(target, "part"):  # a local `.part` file (an S3 upload holds its first part in memory)
                    target.file.flush()
                    os.fsync(target.file.fileno())
                Path(marker).write_text(str(os.getpid()))
                time.sleep(120)
                raise AssertionError("the test kills this process before it wakes")
            return written

        Upload.write = stalling_write  # type: ignore[method-assign]

        if seconds := os.environ.get("SLOW_ROW_SECONDS"):
            slow_query(float(seconds), Path(os.environ["SLOW_ROW_COUNTER"]))


def slow_query(seconds: float, counter: Path) -> None:
    """Make each itemized export one long query that writes nothing before it ends: it sorts its rows by
    `slow_row()`, which sleeps `seconds` per row and counts its calls (SQLite: a line in `counter`, defined
    here; PostgreSQL: the `slow_rows` sequence, defined by the test). A query that stops early counts fewer."""
    from django.db.backends.signals import connection_created

    from reporting.reports import engine

    def slow_row(value: Any) -> int:
        time.sleep(seconds)
        with counter.open("a") as calls:
            calls.write("+")
        return 0

    def define(sender: Any, connection: Any, **kwargs: Any) -> None:
        if connection.vendor == "sqlite":
            connection.connection.create_function("slow_row", 1, slow_row)  # not deterministic: once per row

    connection_created.connect(define, weak=False)
    lines, statement = engine._lines, engine._statement

    def slow_lines(connection: Any, sql: str, params: Any, out: Any, watcher: Any) -> int:
        return lines(connection, f"SELECT * FROM ({sql}) ORDER BY slow_row(1)", params, out, watcher)

    def slow_statement(select: str) -> str:
        return statement(f"SELECT * FROM ({select}) slowed ORDER BY slow_row(1)")

    engine._lines = slow_lines  # type: ignore[assignment]
    engine._statement = slow_statement
