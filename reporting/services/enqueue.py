"""Put a run's task on the broker; a broker that is away leaves the run for the reaper, never an error.

A run is accepted when its row commits; the queue message only wakes a worker.
When Redis is down the row stays pending with `enqueued_at` unset, the request
that made it is answered as usual, and the reaper queues it on its first round
after the broker is back (services.reaper).
"""

from __future__ import annotations

import logging
import re
from functools import partial

from django.db import transaction
from kombu.exceptions import OperationalError

from reporting.models import ReportRun

logger = logging.getLogger(__name__)

# user:password@ in a URL an error message might quote.
_CREDENTIALS = re.compile(r"//[^/@\s]*@")


def enqueue_on_commit(run_id: str) -> None:
    """Queue the run once the current transaction commits (a worker must find its row)."""
    transaction.on_commit(partial(enqueue, run_id))


def enqueue(run_id: str) -> bool:
    """Send the run's task now; on failure log it, mark the run not queued and return False."""
    from reporting.tasks import run_report

    try:
        run_report.delay(run_id)
    except Exception as exc:
        if isinstance(exc, OperationalError):
            logger.warning(
                "Report run %s was not queued, the broker is unreachable (%s); the reaper will queue it",
                run_id,
                _CREDENTIALS.sub("//***@", str(exc)),
            )
        else:
            logger.exception("Report run %s was not queued; the reaper will queue it", run_id)
        ReportRun.objects.unclaimed().filter(pk=run_id).update(enqueued_at=None)
        return False
    return True
