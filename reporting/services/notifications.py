"""Email the people waiting for a run when it ends: its requester on the dashboard, or its schedule's recipients.

`email_when_committed` is called for every terminal transition (services.events.run_ended);
the email goes out from a task queued once that change commits, so nothing is sent
for a change that rolled back. It is sent at most once: the task claims the run
(`notified_at`) before it talks to the mail server and gives the claim back if
the server refuses, so a redelivered or duplicated task sends nothing more. The
beat's sweep (`queue_owed_emails`) queues again what the broker lost or the mail
server refused, for a day. Emails carry a link to the run, never its file.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from reporting.l10n import supported_language
from reporting.models import Door, Membership, ReportRun, ScheduledRun, User
from reporting.templatetags.reporting import interval

logger = logging.getLogger(__name__)

# The doors whose runs have someone waiting: API clients hear of runs through events and webhooks.
EMAILED_DOORS = (Door.DASHBOARD, Door.SCHEDULE)
# The sweep leaves the task queued at commit this long before queuing the email again (a worker busy
# with long reports may not have reached it: each sweep meanwhile adds one more message, which finds
# the run claimed and sends nothing).
SWEEP_GRACE = timedelta(minutes=10)
SWEEP_WINDOW = timedelta(days=1)


class SendFailed(Exception):
    """The mail server could not be reached or refused the message; the sweep tries again."""


def email_when_committed(run: ReportRun) -> None:
    """Queue the run's email once the transaction that ended it commits (now, outside one)."""
    if run.requested_via in EMAILED_DOORS:
        transaction.on_commit(partial(queue_email, run.pk))


def queue_email(run_id: str) -> None:
    from reporting.tasks import email_run_result

    try:
        email_run_result.delay(run_id)
    except Exception:
        # A broker that is away costs no run its outcome: the sweep queues the email later.
        logger.warning("The email of report run %s was not queued; the sweep will queue it", run_id)


def queue_owed_emails(now: datetime | None = None) -> int:
    """Queue the emails still owed for runs that ended within the last day; return how many."""
    now = now or timezone.now()
    owed = (
        ReportRun.objects.filter(
            notified_at__isnull=True,
            requested_via__in=EMAILED_DOORS,
            finished_at__gte=now - SWEEP_WINDOW,
            finished_at__lte=now - SWEEP_GRACE,
        )
        .exclude(status=ReportRun.Status.PENDING)
        .values_list("pk", flat=True)[:500]
    )
    ids = list(owed)
    for run_id in ids:
        queue_email(run_id)
    return len(ids)


def recipients(run: ReportRun, scheduled: ScheduledRun | None) -> list[User]:
    """Who is told: members who still see the run's account and mode, have an address and want these emails."""
    if scheduled is not None:
        candidates = list(scheduled.schedule.recipients.all())
    elif run.requested_via == Door.DASHBOARD and run.requested_by is not None:
        candidates = [run.requested_by]
    else:
        return []
    roles = dict(
        Membership.objects.filter(account_id=run.account_id, user__in=candidates).values_list("user_id", "role")
    )
    allowed = {Membership.Role.ADMIN} if run.livemode else set(Membership.Role)
    return [
        user
        for user in candidates
        if user.is_active and user.email and user.email_on_run_end and roles.get(user.pk) in allowed
    ]


def send_run_email(run_id: str) -> bool:
    """Send the email about a finished run unless it went already; True if this call sent it.

    Raises SendFailed when the mail server is unreachable or refuses it (the run stays owed).
    """
    run = ReportRun.objects.select_related("report_type", "requested_by").filter(pk=run_id).first()
    if run is None or run.is_pending or run.notified_at is not None:
        return False
    scheduled = ScheduledRun.objects.select_related("schedule").filter(run=run).first()
    people = recipients(run, scheduled)
    claimed_at = timezone.now()
    # The claim: of two tasks for the same run, one sends.
    if not ReportRun.objects.filter(pk=run.pk, notified_at__isnull=True).update(notified_at=claimed_at):
        return False
    if not people:
        return False
    message = build_message(run, scheduled, people)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        ReportRun.objects.filter(pk=run.pk, notified_at=claimed_at).update(notified_at=None)
        logger.warning(
            "The email of report run %s was not sent (%s); it will be tried again", run.id, type(exc).__name__
        )
        raise SendFailed(str(exc)) from exc
    return True


def build_message(run: ReportRun, scheduled: ScheduledRun | None, people: list[User]) -> EmailMessage:
    zone = scheduled.schedule.zone if scheduled else ZoneInfo(people[0].timezone or "Etc/UTC")
    # Written as its readers write numbers and dates when they all chose the same language; else the default.
    languages = {supported_language(user.language) for user in people}
    language = languages.pop() if len(languages) == 1 else None
    with translation.override(language or settings.LANGUAGE_CODE):
        return _message(run, scheduled, people, zone)


def _message(run: ReportRun, scheduled: ScheduledRun | None, people: list[User], zone: ZoneInfo) -> EmailMessage:
    context = {
        "run": run,
        "succeeded": run.status == ReportRun.Status.SUCCEEDED,
        "period": interval(run, zone),
        "zone": zone.key,
        "schedule": scheduled.schedule if scheduled else None,
        "run_url": absolute(run.get_absolute_url()),
        "settings_url": absolute(reverse("reporting:account-settings")),
    }
    subject = " ".join(render_to_string("reporting/email/run_ended_subject.txt", context).split())
    body = render_to_string("reporting/email/run_ended.txt", context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email for user in people])


def absolute(path: str) -> str:
    """A link people can follow from their mailbox: PUBLIC_URL and the path (the path alone without it)."""
    return settings.PUBLIC_URL.rstrip("/") + path if settings.PUBLIC_URL else path
