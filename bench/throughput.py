"""Step f: small-report throughput of a Celery worker with one and with two processes."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.harness import Bench


def throughput(bench: Bench) -> None:
    config, measured = bench.config, bench.m
    built = bench.target_ledger()
    first_day, end = bench.availability(built.account_id)
    days = max(1, (end - first_day).days)
    # Alternated and repeated (best of two each): the 2 cores are shared with whatever else runs.
    for concurrency in (1, 2) if config.smoke else (1, 2, 1, 2):
        bench.start_worker(concurrency)
        intervals = []
        for i in range(config.f_reports):
            day_end = end - timedelta(days=i % days)
            intervals.append((day_end - timedelta(days=1), day_end))
        seconds, busy = bench.submit_and_wait(intervals, built.account_id, timeout=600)
        if config.f_reports / seconds > measured.throughput.get(concurrency, 0.0):
            measured.throughput[concurrency] = config.f_reports / seconds
            measured.parallelism[concurrency] = busy / seconds
        print(
            f"[bench]   {concurrency} worker process(es): {measured.throughput[concurrency]:.1f} reports/s, "
            f"{busy / config.f_reports * 1000:.0f} ms per run, runs in progress on average {busy / seconds:.2f}"
        )
