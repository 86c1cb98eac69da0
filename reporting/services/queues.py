"""Which Celery queue a task waits on: `short` or `long`, so that a long export never holds up a summary.

- A report run goes to `long` when it is expected to go through at least
  REPORT_LONG_QUEUE_ROWS ledger rows, counted from the daily totals before it
  reads one (each type's `expected_rows`); else to `short`. The balance and
  category summaries read the daily totals, so they are short at any size; the
  reconciliations go through the ledger, summaries included (reports.reconciliation).
- Ledger imports and Stripe syncs go to `long`, the small beat tasks to `short`
  (CELERY_TASK_ROUTES, config/settings.py).

A worker started without `-Q` consumes both queues. In production one worker
consumes `short` alone: however many exports are running or waiting, it is
free for the short work (README "Production").

The run's queue is chosen by Celery's router (`route`, first in
CELERY_TASK_ROUTES) as its task is sent, not by each sender: the request's
commit, fairness' hand-on, the reaper, the admin's re-run and a task's retry all
send `run_report`, and cannot route it differently.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from reporting.models import ReportRun
from reporting.reports import get_report

from .execution import params_for

SHORT = "short"
LONG = "long"

RUN_TASK = "reporting.tasks.run_report"


def queue_for(run: ReportRun) -> str:
    """Return the queue the run's task goes to: `long` when it will go through REPORT_LONG_QUEUE_ROWS rows or more."""
    report = get_report(run.report_type_id)
    if report is None:  # the task fails it at once
        return SHORT
    rows = report.expected_rows(params_for(run))
    return LONG if rows >= settings.REPORT_LONG_QUEUE_ROWS else SHORT


def route(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any) -> dict[str, str] | None:
    """Celery's router for `run_report` (task_routes): the run's queue; None for other tasks.

    An explicit `queue=` given to apply_async, and a retry (which keeps its
    message's queue), win over this.
    """
    if name != RUN_TASK:
        return None
    run_id = args[0] if args else (kwargs or {}).get("report_run_id")
    run = ReportRun.objects.filter(pk=run_id).first()
    return {"queue": SHORT if run is None else queue_for(run)}
