"""What a report tells whoever runs it while it writes: rows so far, and the database connections it reads on.

The worker's heartbeat (services.heartbeat) listens: it records the rows as the
run's progress, and interrupts the connections' statements when the run is
canceled or taken over, so that a long query stops instead of running to its
end. A report written anywhere else (tests, benches, previews) has nobody
listening: `UNWATCHED`.

Rows are told once per chunk (CHUNK_ROWS), never per row: progress costs the
export nothing measurable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper


class Watcher:
    def rows(self, n: int) -> None:
        """`n` more data rows went to the file (or to a part of it, written in parallel)."""

    @contextmanager
    def reading(self, connection: BaseDatabaseWrapper) -> Iterator[None]:
        """The report runs statements on `connection` inside this block: they may be interrupted.

        The calling thread's own wrapper (`connections[alias]`), not `django.db.connection`, a
        proxy that would resolve in the thread that interrupts.
        """
        yield


UNWATCHED = Watcher()
