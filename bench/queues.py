"""Step g: a one-month summary's submit → succeeded time while a worker exports the biggest ledger, against the
same with idle workers.

The workers are those of `make run` (config/run_local.WORKERS): one for the short queue alone, one for
long and short. The export (the whole biggest ledger, itemized: the long queue) keeps one worker busy,
and a second export always waits behind it: a worker without queues would take that one up as soon as
it is free, and a summary would wait for a whole export. The summaries (the short queue) go through
HTTP as in step d.
"""

from __future__ import annotations

import http.client
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from bench.config import ITEMIZED, SUMMARY, BenchError
from bench.harness import interval
from bench.latency import percentile, run_to_the_end

if TYPE_CHECKING:
    from bench.harness import Bench

# Exports queued or running at once: one that keeps the long worker busy, one waiting behind it.
EXPORTS = 2
# Untimed summaries first: the first requests of fresh gunicorn and Celery processes are slower.
WARM_UP = 3


def queues(bench: Bench) -> None:
    from django.db.models import Q
    from django.utils import timezone

    from reporting import services
    from reporting.models import Account, Door, ReportRun
    from reporting.services import queues as routing

    biggest, target = bench.ledgers[max(bench.ledgers)], bench.target_ledger()
    started = time.monotonic()
    bench.start_queue_workers()
    print(f"[bench]   workers ready in {time.monotonic() - started:.1f} s", flush=True)
    secret = bench.keys[target.account_id]
    first_day, end = bench.availability(target.account_id)
    month = interval(max(first_day, end - timedelta(days=30)), end)
    body = urlencode({"report_type": SUMMARY, **{f"parameters[{k}]": v for k, v in month.items()}})
    conn = http.client.HTTPConnection("127.0.0.1", bench.port, timeout=30)

    def summary() -> tuple[float, datetime, datetime]:
        """Submit a summary and wait for it: the seconds it took, and when it was submitted and seen done."""
        submitted = timezone.now()
        seconds, _, _ = run_to_the_end(conn, secret, body)
        return seconds, submitted, timezone.now()

    runs = bench.config.g_runs
    for _ in range(WARM_UP):
        summary()
    idle = [summary()[0] for _ in range(runs)]

    caller = services.Caller(Account.objects.get(pk=biggest.account_id), False, Door.CLI)
    whole = interval(*bench.availability(biggest.account_id))
    exports: list[str] = []

    def top_up() -> None:
        waiting = ReportRun.objects.filter(pk__in=exports, status=ReportRun.Status.PENDING).count()
        for _ in range(EXPORTS - waiting):
            exports.append(services.request_run(caller, report_type_id=ITEMIZED, parameters=whole).pk)

    top_up()
    if routing.queue_for(ReportRun.objects.get(pk=exports[0])) != routing.LONG:
        raise BenchError(f"the {biggest.label} export is not routed to the long queue (REPORT_LONG_QUEUE_ROWS)")
    deadline = time.monotonic() + 120
    while not ReportRun.objects.filter(pk__in=exports, started_at__isnull=False).exists():
        if time.monotonic() > deadline:
            raise BenchError("no worker started the export within 120 s")
        time.sleep(0.01)
    busy: list[float] = []
    tries = 0
    # Only summaries that ran from start to end beside an export count: nearly all of them at 1M
    # rows (an export takes seconds), about a third in a smoke run (a tenth of a second).
    while len(busy) < runs and tries < 10 * runs:
        top_up()
        seconds, submitted, done = summary()
        tries += 1
        running = ReportRun.objects.filter(pk__in=exports, started_at__lte=submitted).filter(
            Q(finished_at__isnull=True) | Q(finished_at__gte=done)
        )
        if running.exists():
            busy.append(seconds)
    conn.close()
    print(
        f"[bench]   p50 {percentile(idle, 0.5) * 1000:.0f} ms idle, {percentile(busy, 0.5) * 1000:.0f} ms beside "
        f"an export ({len(busy)} of {tries})",
        flush=True,
    )
    exported = ReportRun.objects.filter(pk__in=exports, status=ReportRun.Status.SUCCEEDED).count()
    for name in [name for name in bench.services if name.startswith("celery-")]:
        bench.stop_service(name)
    for run in ReportRun.objects.filter(pk__in=exports, status=ReportRun.Status.PENDING):
        run.fail_if_pending("Stopped by the bench.")
    if not busy:
        raise BenchError("no summary ran while an export did (the exports are too short to overlap one)")
    bench.m.queues = {
        "idle_p50": percentile(idle, 0.5),
        "idle_p95": percentile(idle, 0.95),
        "busy_p50": percentile(busy, 0.5),
        "busy_p95": percentile(busy, 0.95),
        "busy_n": len(busy),
        "tries": tries,
        "exports": exported,
    }
