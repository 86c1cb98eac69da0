"""services.cancel: who may cancel, what a cancel leaves (a failed run, one event, no file), and its races."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile

from reporting import services
from reporting.models import ApiEvent, Door, Event, File, InvalidTransition, Membership, ReportRun, report_storage
from reporting.services import Caller, attempts, storage, uploads
from reporting.services.cancel import AlreadyEnded, cancel_run
from tests.factories import BalanceTransactionFactory, MembershipFactory, ReportRunFactory, UserFactory

pytestmark = pytest.mark.django_db

SEPTEMBER = {
    "interval_start": int(datetime(2025, 9, 1, tzinfo=UTC).timestamp()),
    "interval_end": int(datetime(2025, 10, 1, tzinfo=UTC).timestamp()),
}
ITEMIZED = "balance_change_from_activity.itemized.1"


def as_user(account, user) -> Caller:
    return Caller(account, False, Door.DASHBOARD, user=user)


def ended_events(run) -> list[str]:
    return list(ApiEvent.objects.filter(object_id=run.pk).values_list("type", flat=True))


def itemized_run(account, **kwargs) -> ReportRun:
    for n in range(3):
        BalanceTransactionFactory(account=account, created=datetime(2025, 9, 2, tzinfo=UTC) + timedelta(hours=n))
    return ReportRunFactory(account=account, report_type_id=ITEMIZED, parameters=SEPTEMBER, **kwargs)


def test_the_requester_cancels_a_queued_run(account, analyst):
    analyst.first_name, analyst.last_name = "Ana", "Lyst"
    analyst.save()
    run = ReportRunFactory(account=account, requested_by=analyst)

    cancel_run(as_user(account, analyst), run)

    run.refresh_from_db()
    assert (run.status, run.error, run.result) == ("failed", "Canceled by Ana Lyst", None)
    assert ended_events(run) == ["reporting.report_run.failed"]  # webhooks and the email hear it once
    event = Event.objects.get(action=Event.Action.RUN_CANCELED)
    assert (event.object_id, event.actor, event.door) == (run.pk, analyst, Door.DASHBOARD)


def test_an_account_admin_cancels_a_run_someone_else_requested(account, analyst, admin_member):
    run = ReportRunFactory(account=account, requested_by=analyst)
    assert run.claim()  # running

    cancel_run(as_user(account, admin_member), run)

    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "Canceled by adam")


@pytest.mark.parametrize("role", [Membership.Role.VIEWER, Membership.Role.ANALYST])
def test_a_viewer_or_another_analyst_may_not_cancel(account, analyst, role):
    other = MembershipFactory(account=account, user=UserFactory(username="other"), role=role).user
    run = ReportRunFactory(account=account, requested_by=analyst)

    with pytest.raises(PermissionDenied):
        cancel_run(as_user(account, other), run)

    run.refresh_from_db()
    assert run.status == "pending"
    assert ended_events(run) == []


def test_a_member_of_another_account_may_not_cancel(account, analyst):
    stranger = MembershipFactory(role=Membership.Role.ADMIN).user
    run = ReportRunFactory(account=account, requested_by=analyst)

    with pytest.raises(PermissionDenied):
        cancel_run(as_user(account, stranger), run)

    assert ReportRun.objects.get(pk=run.pk).status == "pending"


def test_cancel_of_an_ended_run_changes_nothing(account, analyst):
    run = ReportRunFactory(account=account, requested_by=analyst)
    run.mark_failed("The ledger was busy.")

    with pytest.raises(AlreadyEnded, match="already failed, so there was nothing to cancel"):
        cancel_run(as_user(account, analyst), run)

    run.refresh_from_db()
    assert run.error == "The ledger was busy."
    assert ended_events(run) == ["reporting.report_run.failed"]
    assert not Event.objects.filter(action=Event.Action.RUN_CANCELED).exists()


def test_a_cancel_holding_an_old_copy_of_the_run_still_cancels_it(account, analyst):
    run = ReportRunFactory(account=account, requested_by=analyst)
    seen = ReportRun.objects.get(pk=run.pk)  # the page the user clicked on, before a worker claimed the run
    assert run.claim()

    cancel_run(as_user(account, analyst), seen)

    assert ReportRun.objects.get(pk=run.pk).error == "Canceled by ana"


def test_a_worker_finishing_after_the_cancel_keeps_no_file(account, analyst, report_files):
    # The worker did not hear of the cancel before it wrote the whole file (its heartbeat had not ticked).
    run = itemized_run(account, requested_by=analyst)
    assert attempts.claim(run).outcome is attempts.Outcome.CLAIMED
    cancel_run(as_user(account, analyst), ReportRun.objects.get(pk=run.pk))

    with pytest.raises(InvalidTransition):
        services.execute_report_run(run)

    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "Canceled by ana")
    assert not File.objects.exists()
    assert report_files.names() == []
    assert ended_events(run) == ["reporting.report_run.failed"]


def test_a_cancel_after_the_worker_finished_changes_nothing(account, analyst, report_files):
    run = itemized_run(account, requested_by=analyst)
    assert attempts.claim(run).outcome is attempts.Outcome.CLAIMED
    seen = ReportRun.objects.get(pk=run.pk)
    services.execute_report_run(run)

    with pytest.raises(AlreadyEnded, match="already succeeded"):
        cancel_run(as_user(account, analyst), seen)

    run.refresh_from_db()
    assert run.status == "succeeded"
    assert report_files.names() == [run.result.storage_name]
    assert ended_events(run) == ["reporting.report_run.succeeded"]


def test_cancel_removes_what_a_dead_worker_left_in_storage(
    account, analyst, report_files, django_capture_on_commit_callbacks
):
    run = ReportRunFactory(account=account, requested_by=analyst)
    assert run.claim()
    # Attempt 1 saved its whole file and died before recording it; attempt 2 died mid-write.
    report_storage().save(storage.attempt_name(run, 1), ContentFile(b"category,amount\n"))
    assert run.claim(stale_before=datetime.now(UTC) + timedelta(minutes=1))
    half = uploads.Upload(storage.attempt_name(run, 2))
    half.write(b"x" * 100)  # a `.part` file, or on S3 a multipart upload, left open
    assert report_files.names() != []

    with django_capture_on_commit_callbacks(execute=True):
        cancel_run(as_user(account, analyst), run)

    assert report_files.names() == []
    if report_files.server is not None:  # nothing half-uploaded either
        bucket = report_storage().bucket
        assert list(bucket.multipart_uploads.filter(Prefix=report_files.location)) == []
