"""An attempt's heartbeat: its run's liveness, progress and stop signal, from a thread beside the export.

- Alive: the thread writes `heartbeat_at` every REPORT_HEARTBEAT_SECONDS, and the
  rows written so far (reports.watcher) at most every REPORT_PROGRESS_SECONDS when
  they moved. The export only adds to a counter once per chunk.
- Stopped: every tick also learns whether the run is still this attempt's (the
  conditional UPDATE, or a one-row read when there is nothing to write). Once it
  is not (canceled by a user, taken over, failed by the reaper) the thread
  interrupts the statements the report is running (sqlite3's interrupt, psycopg's
  cancel), again each tick until the export gives up, and `check()` raises on the
  next chunk. A query that would run for minutes stops within a tick.

From a thread of its own, not from the write loop: one SQL statement can run
for minutes before it hands over its first row (PostgreSQL sorting for a COPY,
SQLite for a SELECT), and a heartbeat written between chunks would go silent
for as long, making a live attempt look dead. Database drivers release the GIL
while they wait, so the thread beats on time; it dies with its process, which
is what lets a killed worker's run be taken over.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from reporting.models import InvalidTransition, ReportRun
from reporting.reports.watcher import Watcher

logger = logging.getLogger(__name__)


class Superseded(InvalidTransition):
    """The run moved on without this attempt: canceled, taken over by another, or finished elsewhere."""


class Heartbeat(Watcher):
    """`with Heartbeat(run):` beats for the run's current attempt until the block ends; pass it to Report.write."""

    def __init__(self, run: ReportRun) -> None:
        self.run = run
        self.every = float(settings.REPORT_HEARTBEAT_SECONDS)
        self.tick = min(self.every, float(settings.REPORT_PROGRESS_SECONDS))
        self.lost = False
        self._rows = 0
        self._counting = threading.Lock()  # the two halves of a parallel copy both add rows
        self._reading: list[BaseDatabaseWrapper] = []
        self._reading_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{run.id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def check(self) -> None:
        """Raise Superseded once a beat found the run no longer this attempt's: no point writing on."""
        if self.lost:
            raise Superseded(f"{self.run.id}: attempt {self.run.attempts} is no longer the run's")

    # Watcher: told by the report as it writes.

    def rows(self, n: int) -> None:
        with self._counting:
            self._rows += n

    @contextmanager
    def reading(self, connection: BaseDatabaseWrapper) -> Iterator[None]:
        with self._reading_lock:
            self._reading.append(connection)
        try:
            yield
        finally:
            with self._reading_lock:
                self._reading.remove(connection)

    # The thread.

    def _beat(self) -> None:
        written: int | None = None
        beaten = time.monotonic()
        try:
            while not self._stop.wait(self.tick):
                if self.lost:
                    self._interrupt()  # the export has not given up yet: its statement may have started since
                    continue
                rows, now = self._rows, time.monotonic()
                try:
                    if rows != written or now - beaten >= self.every:
                        mine = self.run.beat(rows_written=rows)
                        written, beaten = rows, now
                    else:
                        mine = self.run.is_mine()
                except DatabaseError as exc:
                    # A busy or unreachable database: the next tick tries again.
                    logger.warning("Report run %s: heartbeat not written (%s)", self.run.id, exc)
                    continue
                if not mine:
                    self.lost = True
                    self._interrupt()
        finally:
            # This thread's own connection (Django's are per thread).
            connections.close_all()

    def _interrupt(self) -> None:
        """Stop the statement each connection the report reads on is running (none running: nothing happens)."""
        with self._reading_lock:  # a connection leaves `_reading` only after this: never interrupt a later statement
            for wrapper in self._reading:
                raw = wrapper.connection
                try:
                    if isinstance(raw, sqlite3.Connection):
                        raw.interrupt()
                    elif raw is not None:
                        raw.cancel_safe(timeout=5)  # psycopg: PostgreSQL's cancel request, as pg_cancel_backend
                except Exception as exc:
                    logger.warning("Report run %s: could not interrupt its query (%s)", self.run.id, exc)
