"""Run emails through a real SMTP server on localhost (aiosmtpd): once, after commit, a link and never the file."""

from __future__ import annotations

import email
import logging
import socket
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from unittest import mock

import pytest
from aiosmtpd.controller import Controller

from reporting import tasks
from reporting.models import Door, Membership, ReportRun, Schedule, ScheduledRun
from reporting.services import notifications
from tests.factories import FileFactory, MembershipFactory, ReportRunFactory, UserFactory

pytestmark = pytest.mark.django_db

OCTOBER_BERLIN = {"interval_start": 1759269600, "interval_end": 1761951600}  # 2025-10-01 to 11-01, Berlin


class Mailbox:
    """An aiosmtpd handler that keeps every message, or refuses them all while `refuse` is set."""

    def __init__(self):
        self.messages = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "554 Transaction failed: not today"
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def smtp_server():
    # aiosmtpd says every SMTP command at INFO: its warnings are the news.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server, settings):
    mailbox, port = smtp_server
    mailbox.messages.clear()
    mailbox.refuse = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.PUBLIC_URL = "https://reports.example.com"
    settings.DEFAULT_FROM_EMAIL = "reports@example.com"
    return mailbox


@pytest.fixture
def analyst_user(account):
    user = UserFactory(username="ana", email="ana@example.com", timezone="Europe/Berlin")
    MembershipFactory(account=account, user=user, role=Membership.Role.ANALYST)
    return user


def dashboard_run(account, user, **kwargs):
    return ReportRunFactory(
        account=account, requested_by=user, requested_via=Door.DASHBOARD, parameters=OCTOBER_BERLIN, **kwargs
    )


def subject(message):
    return str(make_header(decode_header(message["Subject"])))


def body(message):
    return message.get_payload(decode=True).decode().replace("\r\n", "\n")


def succeed(run):
    run.mark_succeeded(result=FileFactory(account=run.account, filename="balance.csv"), row_count=3)


def test_a_finished_dashboard_run_emails_its_requester_once_with_a_link_and_no_file(
    account, analyst_user, mailbox, django_capture_on_commit_callbacks
):
    run = dashboard_run(account, analyst_user)

    with (
        mock.patch.object(tasks.email_run_result, "delay", side_effect=tasks.email_run_result) as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        succeed(run)
    again = notifications.send_run_email(run.pk)

    queued.assert_called_once_with(run.pk)
    assert again is False
    [(to, message)] = mailbox.messages
    assert to == ["ana@example.com"]
    assert subject(message) == "Report ready: Balance summary, 10/01/2025 – 10/31/2025"
    assert message["From"] == "reports@example.com"
    assert not message.is_multipart()  # no attachment: the file stays behind the login
    text = body(message)
    assert f"https://reports.example.com/runs/{run.id}" in text
    assert "Europe/Berlin" in text
    assert ReportRun.objects.get(pk=run.pk).notified_at is not None


def test_a_failed_run_says_why(account, analyst_user, mailbox):
    run = dashboard_run(account, analyst_user)
    run.mark_failed("interval_end is after data_available_end (2025-12-01 00:00:00 UTC).")

    assert notifications.send_run_email(run.pk)

    [(_, message)] = mailbox.messages
    assert subject(message).startswith("Report failed: Balance summary, 10/01/2025")
    assert "Why it failed:\ninterval_end is after data_available_end (2025-12-01 00:00:00 UTC)." in body(message)


def test_nothing_is_sent_to_a_user_who_turned_emails_off_nor_for_api_runs(account, analyst_user, mailbox):
    analyst_user.email_on_run_end = False
    analyst_user.save()
    mine = dashboard_run(account, analyst_user)
    api = ReportRunFactory(account=account, requested_via=Door.API)
    for run in (mine, api):
        run.mark_failed("x")

    assert not notifications.send_run_email(mine.pk)
    assert not notifications.send_run_email(api.pk)
    assert mailbox.messages == []


def test_a_refusing_mail_server_leaves_the_email_owed_and_the_sweep_queues_it_again(account, analyst_user, mailbox):
    run = dashboard_run(account, analyst_user)
    run.mark_failed("x")
    mailbox.refuse = True

    with pytest.raises(notifications.SendFailed):
        notifications.send_run_email(run.pk)

    assert ReportRun.objects.get(pk=run.pk).notified_at is None
    mailbox.refuse = False
    with mock.patch.object(tasks.email_run_result, "delay") as queued:
        assert (
            notifications.queue_owed_emails(run.finished_at + timedelta(minutes=2)) == 0
        )  # its first task may be queued
        assert notifications.queue_owed_emails(run.finished_at + timedelta(minutes=11)) == 1
    queued.assert_called_once_with(run.pk)
    assert notifications.send_run_email(run.pk)
    assert len(mailbox.messages) == 1
    assert notifications.queue_owed_emails(run.finished_at + timedelta(minutes=16)) == 0


def test_a_scheduled_run_emails_the_schedule_recipients_who_are_still_members(account, analyst_user, mailbox):
    colleague = UserFactory(username="cole", email="cole@example.com")
    MembershipFactory(account=account, user=colleague, role=Membership.Role.VIEWER)
    gone = UserFactory(username="gone", email="gone@example.com")
    schedule = Schedule.objects.create(
        account=account,
        owner=analyst_user,
        name="Month end",
        report_type_id="balance.summary.1",
        period="last_month",
        cadence="monthly",
        day_of_month=1,
        time_of_day="07:00",
        timezone="Europe/Berlin",
        next_due_at=datetime(2025, 12, 1, 6, tzinfo=UTC),
    )
    schedule.recipients.set([analyst_user, colleague, gone])
    run = ReportRunFactory(
        account=account, requested_by=analyst_user, requested_via=Door.SCHEDULE, parameters=OCTOBER_BERLIN
    )
    ScheduledRun.objects.create(
        schedule=schedule, due_at=datetime(2025, 11, 1, 6, tzinfo=UTC), run=run, status="requested"
    )
    succeed(run)

    assert notifications.send_run_email(run.pk)

    [(to, message)] = mailbox.messages
    assert sorted(to) == ["ana@example.com", "cole@example.com"]
    assert subject(message) == "Report ready: Balance summary, 10/01/2025 – 10/31/2025 (Month end)"
    assert 'the schedule "Month end" lists you' in body(message)
