"""The rules every door shares: the dashboard, the API, the admin, the commands and the tasks call these.

- `runs`: request a run (role, live-only types, availability, parameters).
- `accounts`: change an account's settings (how its files write text cells).
- `execution`: generate a run's file and record the outcome.
- `attempts`, `heartbeat`: who may work on a run; a live attempt's heartbeat; takeovers.
- `enqueue`: send a run's task, leaving it to the reaper when the broker is away.
- `reaper`: every accepted run gets a worker or a reason.
- `queues`: which Celery queue a task waits on, `short` or `long` (a run by its expected rows).
- `storage`: report files saved whole or not at all; storage failures in words; the health probe.
- `keys`: issue and revoke API keys.
- `files`: serve a report file.
- `previews`: what a succeeded run's page shows of its file (tables, charts).
- `pages`: keyset pages, newest first.
- `limits`: request and run rates per key and account (Redis).
- `fairness`: how many runs of one account generate at once.
- `locks`: a busy database, told apart from a failure.
- `events`: Stripe's events, written with the change they describe (a run's end, the data's
  availability), and their deliveries; the one place that hears "a run ended".
- `webhooks`: add, change, delete and test webhook endpoints; `webhook_urls`: where one may point.
- `deliveries`, `webhook_http`: send each delivery, signed, until answered; retries and the sweep.
- `schedules`: save, pause, resume and delete schedules; `schedule_runs`: the beat's tick that runs them.
- `notifications`: email a run's outcome to whoever waits for it (from `events.run_ended`).
"""

from __future__ import annotations

from .accounts import set_cell_format
from .caller import Caller
from .execution import execute_report_run, params_for
from .files import FileUnavailable, download
from .keys import issue_key, revoke_key
from .pages import Page, UnknownCursor, newest_first
from .previews import Preview, preview
from .reaper import reap_report_runs
from .runs import AlreadyRequested, Problem, RunRequestError, RunsRateLimited, request_run
from .schedule_runs import run_due_schedules
from .schedules import ScheduleError, ScheduleRequest, create_schedule, delete_schedule, pause_schedule, resume_schedule

__all__ = [
    "AlreadyRequested",
    "Caller",
    "FileUnavailable",
    "Page",
    "Preview",
    "Problem",
    "RunRequestError",
    "RunsRateLimited",
    "ScheduleError",
    "ScheduleRequest",
    "UnknownCursor",
    "create_schedule",
    "delete_schedule",
    "download",
    "execute_report_run",
    "issue_key",
    "newest_first",
    "params_for",
    "preview",
    "pause_schedule",
    "reap_report_runs",
    "request_run",
    "resume_schedule",
    "revoke_key",
    "run_due_schedules",
    "set_cell_format",
]
