"""Cancel a run: its requester or an account admin stops a pending or running run; it ends failed, with no file.

Every door that cancels (the dashboard's button, the admin's action) calls `cancel_run`.
Stripe's Reporting API has no cancel, so neither has ours.

- The run ends through the model's one transition (ReportRun._transition): of a
  cancel and a worker finishing at the same moment exactly one wins, and
  `events.run_ended` fires once (the webhook and the email tell the failure).
- The worker's heartbeat sees within REPORT_PROGRESS_SECONDS that the run is no
  longer its attempt's: it interrupts the query the report is running and the
  export drops its upload (services.heartbeat, services.execution). A worker that
  finished writing at that moment finds the run failed and removes its file.
- What attempts left in storage (a worker that died mid-write) goes here, once the cancel has won.
"""

from __future__ import annotations

import logging
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from reporting.models import Event, InvalidTransition, Membership, ReportRun, User

from . import storage
from .caller import Caller

logger = logging.getLogger(__name__)

MAY_NOT_CANCEL = gettext_lazy("Only whoever requested this run, or an admin of its account, may cancel it.")


class AlreadyEnded(Exception):  # noqa: N818 (a refusal: there is nothing left to cancel)
    """The run had succeeded or failed before the cancel arrived; nothing changed."""

    def __init__(self, run: ReportRun) -> None:
        super().__init__(
            gettext("This run already succeeded, so there was nothing to cancel.")
            if run.status == ReportRun.Status.SUCCEEDED
            else gettext("This run already failed, so there was nothing to cancel.")
        )
        self.run = run


def may_cancel(user: User | None, membership: Membership | None, run: ReportRun) -> bool:
    """Whether `user` (a member through `membership`) may cancel `run`: its requester, an account admin, a superuser.

    No user: a command or the system, which act for the account. Live mode needs an admin, as for requests.
    """
    if user is None or user.is_superuser:
        return True
    if membership is None or membership.account_id != run.account_id:
        return False
    if membership.can_manage:
        return True
    return membership.can_request and not run.livemode and run.requested_by_id == user.pk


def offers_cancel(user: User | None, membership: Membership | None, run: ReportRun) -> bool:
    """Whether a page shows `run` a Cancel button: it has not ended and `user` may cancel it."""
    return run.is_pending and may_cancel(user, membership, run)


def cancel_run(caller: Caller, run: ReportRun) -> ReportRun:
    """End `run` failed with "Canceled by NAME" (NAME: the caller's display name); return it.

    Raises PermissionDenied when the caller may not, AlreadyEnded when the run had ended first.
    """
    foreign = caller.account.pk != run.account_id or caller.livemode != run.livemode
    if foreign or not may_cancel(caller.user, caller.membership(), run):
        raise PermissionDenied(MAY_NOT_CANCEL)
    error = f"Canceled by {display_name(caller)}"
    while True:
        if run.is_terminal:
            raise AlreadyEnded(run)
        started = run.started_at is not None
        try:
            with transaction.atomic():
                run.mark_failed(error)
                caller.record(Event.Action.RUN_CANCELED, run.id, started=started, rows_written=run.rows_written)
        except InvalidTransition:
            # It ended meanwhile, or a new attempt took it (the transition names the attempt): look again.
            run.refresh_from_db()
            continue
        break
    logger.info("Report run %s: %s", run.id, error)
    # A live worker drops its own upload; this removes what a dead one left.
    transaction.on_commit(partial(storage.discard_attempt_files, run, keep=None))
    return run


def display_name(caller: Caller) -> str:
    if caller.user is not None:
        return caller.user.get_full_name() or caller.user.get_username()
    if caller.api_key is not None:
        return caller.api_key.name or caller.api_key.masked
    return "the system"
