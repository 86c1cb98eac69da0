"""What a running run shows of its progress: rows written out of those expected, and the time left.

Read from the row alone (the heartbeat writes `rows_written` with `heartbeat_at`,
services.heartbeat), so the 2 s polls of the run list and the run's page cost
no query of their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reporting.models import ReportRun

# The fields progress_of reads: the run list selects only these (views.run_list).
FIELDS = ("status", "started_at", "heartbeat_at", "rows_written", "rows_expected")


@dataclass(frozen=True)
class Progress:
    written: int
    expected: int | None  # None: the daily totals could not tell (reconciliations)
    seconds_left: int | None  # None: too early to tell, or nothing to tell it against

    @property
    def minutes_left(self) -> int:
        return math.ceil((self.seconds_left or 0) / 60)


def progress_of(run: ReportRun) -> Progress | None:
    """The progress of a running run that writes rows as it goes; None for a queued or ended run or a summary."""
    if not run.is_pending or run.started_at is None or run.rows_written is None:
        return None
    written, expected = run.rows_written, run.rows_expected
    if expected is not None:
        written = min(written, expected)
    return Progress(written, expected, _seconds_left(run, written, expected))


def _seconds_left(run: ReportRun, written: int, expected: int | None) -> int | None:
    """At the pace so far (rows at the last heartbeat over the time since the attempt started)."""
    if expected is None or written <= 0 or run.started_at is None or run.heartbeat_at is None:
        return None
    elapsed = (run.heartbeat_at - run.started_at).total_seconds()
    if elapsed <= 0:
        return None
    return math.ceil(elapsed * (expected - written) / written)
