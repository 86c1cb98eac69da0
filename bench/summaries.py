"""Step c: balance.summary.1 for one month and one year, in-process."""

from __future__ import annotations

import io
import statistics
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from bench.config import SUMMARY, BenchError
from bench.harness import interval

if TYPE_CHECKING:
    from bench.harness import Bench


def summaries(bench: Bench) -> None:
    """Time six writes of each summary: the first call, then the median of the other five."""
    from reporting.models import ReportRun
    from reporting.reports import get_report
    from reporting.services.execution import HashingWriter, params_for

    report = get_report(SUMMARY)
    assert report is not None
    for built in bench.ledgers.values():
        first_day, end = bench.availability(built.account_id)
        bench.m.summaries[built.label] = {}
        for name, days in (("month", 30), ("year", 365)):
            start = max(first_day, end - timedelta(days=days))
            run = ReportRun(
                account_id=built.account_id, livemode=False, report_type_id=SUMMARY, parameters=interval(start, end)
            )
            params = params_for(run)
            times = []
            for _ in range(6):
                sink = HashingWriter(io.BytesIO())
                started = time.perf_counter()
                lines = report.write(params, sink)  # type: ignore[arg-type]
                times.append(time.perf_counter() - started)
                if lines <= 0:
                    raise BenchError(f"{built.label}: the {name} summary wrote no lines")
            bench.m.summaries[built.label][name] = (times[0], statistics.median(times[1:]))
