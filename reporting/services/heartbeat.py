"""An attempt's heartbeat: written to its run every REPORT_HEARTBEAT_SECONDS while the attempt works.

From a thread of its own, not from the write loop: one SQL statement can run
for minutes before it hands over its first row (PostgreSQL sorting for a COPY,
SQLite for a SELECT), and a heartbeat written between chunks would go silent
for as long, making a live attempt look dead. Database drivers release the GIL
while they wait, so the thread beats on time; it dies with its process, which
is what lets a killed worker's run be taken over.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from django.conf import settings
from django.db import DatabaseError, connections

from reporting.models import InvalidTransition, ReportRun

logger = logging.getLogger(__name__)


class Superseded(InvalidTransition):
    """The run moved on without this attempt: taken over by another, or finished elsewhere."""


class Heartbeat:
    """`with Heartbeat(run):` beats for the run's current attempt until the block ends."""

    def __init__(self, run: ReportRun) -> None:
        self.run = run
        self.every = float(settings.REPORT_HEARTBEAT_SECONDS)
        self.lost = False
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
            raise Superseded(f"{self.run.id}: attempt {self.run.attempts} was superseded")

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    if not self.run.beat():
                        self.lost = True
                        return
                except DatabaseError as exc:
                    # A busy or unreachable database: the next beat tries again.
                    logger.warning("Report run %s: heartbeat not written (%s)", self.run.id, exc)
        finally:
            # This thread's own connection (Django's are per thread).
            connections.close_all()
