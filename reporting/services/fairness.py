"""Share the workers between accounts: at most REPORT_RUNS_PER_ACCOUNT runs of one account generate at once.

Celery's queue is first in, first out, so 500 runs requested by one account
would otherwise occupy every worker process until they are all done, and
another account's run would wait behind them. Instead, a worker that takes a
run whose account is at its cap does not start it: it drops the message and
leaves the run pending, unclaimed. Each run that ends hands its account's turn
on: it queues that account's oldest unclaimed run again (`hand_on`). Skipping
a run costs a worker two small queries, so a flood of N runs delays another
account's run by the time to skip them (milliseconds each), not by the time to
generate them, as long as the cap is below the number of worker processes.

Why not re-queue with a countdown: every waiting run would come back every few
seconds, N messages circling for as long as the flood lasts. Why not a queue
per account: Celery's workers consume a fixed list of queues, and hashing
accounts onto a few queues leaves two accounts sharing one. The reaper stays the
safety net: a run whose hand-on was lost (a worker killed between the two) is
re-queued after REPORT_REQUEUE_AFTER like any run whose message was lost.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from reporting.models import Account, ReportRun

from . import attempts


def claim_turn(run: ReportRun) -> attempts.Claim:
    """Claim the run (services.attempts) if its account has a free slot; GONE if it must wait for `hand_on`.

    The count and the claim happen under the account's row lock (PostgreSQL; SQLite's
    immediate transaction takes the database's), so two workers that take runs of one
    account at the same moment cannot both see the last free slot: at the start of a
    flood, every process would otherwise grab one of its runs. A run already started
    (a duplicate delivery, or a takeover of an attempt whose worker died) holds its
    slot: it goes straight to the claim.
    """
    cap = settings.REPORT_RUNS_PER_ACCOUNT
    if cap <= 0 or run.started_at is not None:
        return attempts.claim(run)
    with transaction.atomic():
        list(Account.objects.select_for_update().filter(pk=run.account_id).values_list("pk", flat=True))
        # Runs of the account with a live attempt (a silent one lost its worker: the reaper takes it over).
        running: int = (
            ReportRun.objects.pending()
            .filter(account_id=run.account_id, started_at__isnull=False, heartbeat_at__gte=attempts.stale_before())
            .exclude(pk=run.pk)
            .order_by()[:cap]
            .count()
        )
        if running >= int(cap):
            return attempts.Claim(attempts.Outcome.GONE)
        return attempts.claim(run)


def hand_on(account_id: str) -> None:
    """A run of this account ended: queue its oldest run still waiting to start, if any.

    Its first message may still be on the queue too: whichever arrives first claims
    the run and the other finds it taken.
    """
    from reporting.tasks import run_report

    if settings.REPORT_RUNS_PER_ACCOUNT <= 0:
        return
    waiting = (
        ReportRun.objects.unclaimed()
        .filter(account_id=account_id)
        .order_by("created", "id")
        .values_list("pk", flat=True)
        .first()
    )
    if waiting is not None:
        run_report.delay(waiting)
