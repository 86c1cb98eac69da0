"""Events are written with the change they describe: once per run that ends, per type whose data availability moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from reporting import tasks
from reporting.models import ApiEvent, DataWatermark, InvalidTransition, ReportType, WebhookDelivery
from reporting.reports import REPORT_TYPES
from tests.api.conftest import ApiClient
from tests.factories import BalanceTransactionFactory, ReportRunFactory

from .conftest import failed_run

pytestmark = pytest.mark.django_db

UPDATED = ApiEvent.Type.REPORT_TYPE_UPDATED


@pytest.fixture
def api(test_secret):
    return ApiClient(test_secret)


def test_a_failed_run_has_one_event_with_the_run_as_the_api_shows_it(api, account):
    run = failed_run(account)

    (event,) = ApiEvent.objects.all()

    assert (event.type, event.object_id, event.livemode, event.test) == (
        "reporting.report_run.failed",
        run.id,
        False,
        False,
    )
    assert event.data == {"object": api.get(f"/v1/reporting/report_runs/{run.id}").json()}


def test_a_succeeded_run_has_its_event_with_the_file(
    api, ledger_for_runs, in_process_tasks, django_capture_on_commit_callbacks, settings
):
    settings.PUBLIC_URL = "https://reports.example.com"  # a worker has no request to take the origin from
    with django_capture_on_commit_callbacks(execute=True):  # the run's task is queued on commit
        created = api.post(
            "/v1/reporting/report_runs",
            {
                "report_type": "balance.summary.1",
                "parameters[interval_start]": 1740787200,
                "parameters[interval_end]": 1743465600,
            },
        ).json()
    assert not ApiEvent.objects.exists()  # a pending run has no event yet

    in_process_tasks.run_queued()

    (event,) = ApiEvent.objects.all()
    shown = api.get(f"/v1/reporting/report_runs/{created['id']}").json()
    assert event.type == "reporting.report_run.succeeded"
    assert event.data["object"] == shown
    assert shown["status"] == "succeeded"
    assert shown["result"]["object"] == "file"


def test_without_a_public_url_an_event_carries_the_files_path(ledger_for_runs, in_process_tasks, account):
    run = ReportRunFactory(account=account)

    tasks.run_report(run.pk)

    (event,) = ApiEvent.objects.all()
    assert event.data["object"]["status"] == "succeeded"
    assert event.data["object"]["result"]["url"] == f"/v1/files/{event.data['object']['result']['id']}/contents"


def test_a_run_that_ends_twice_has_one_event(account):
    run = failed_run(account)

    with pytest.raises(InvalidTransition):
        run.mark_failed("again")

    assert ApiEvent.objects.count() == 1
    assert run.error == "No data for this interval."


def test_an_ending_that_rolls_back_leaves_no_event_nor_delivery(account, endpoint):
    run = ReportRunFactory(account=account)

    def fail_then_roll_back():
        with transaction.atomic():
            run.mark_failed("Storage is full.")
            raise RuntimeError("the database went away before the commit")

    with pytest.raises(RuntimeError):
        fail_then_roll_back()

    run.refresh_from_db()
    assert run.status == "pending"
    assert not ApiEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_a_failed_event_write_leaves_the_run_pending_in_memory_too(account, monkeypatch):
    run = ReportRunFactory(account=account)

    def broken(run):
        raise RuntimeError("insert failed")

    monkeypatch.setattr("reporting.services.events.run_ended", broken)

    with pytest.raises(RuntimeError):
        run.mark_failed("No data.")

    assert (run.status, run.error, run.finished_at) == ("pending", "", None)
    run.refresh_from_db()
    assert run.status == "pending"


@pytest.fixture
def ledger_for_runs(account):
    BalanceTransactionFactory(account=account, created=datetime(2025, 1, 3, tzinfo=UTC))
    return account


def advance(account, day: int):
    DataWatermark.advance(account, False, datetime(2025, 12, day, 6, tzinfo=UTC))


def test_each_report_type_is_updated_when_its_data_availability_moves(api, account):
    BalanceTransactionFactory(account=account, created=datetime(2025, 1, 3, tzinfo=UTC))
    advance(account, 2)  # the fixture's mark is 2025-12-01 00:00; availability ends a day later now
    test_mode_types = {t.id for t in ReportType.objects.filter(id__in=list(REPORT_TYPES), live_only=False)}

    events = list(ApiEvent.objects.filter(type=UPDATED))

    assert {e.object_id for e in events} == test_mode_types
    assert len(events) == len(test_mode_types)
    event = next(e for e in events if e.object_id == "balance.summary.1")
    assert event.data["object"] == api.get("/v1/reporting/report_types/balance.summary.1").json()
    assert event.data["object"]["data_available_end"] == int(datetime(2025, 12, 2, tzinfo=UTC).timestamp())
    # Before, the fixture's mark over an empty ledger: nothing available (start = end, the account's first day).
    empty = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    assert event.data["previous_attributes"] == {"data_available_end": empty, "data_available_start": empty}


def test_a_second_move_tells_the_values_before(account):
    BalanceTransactionFactory(account=account, created=datetime(2025, 1, 3, tzinfo=UTC))
    advance(account, 2)
    before = ApiEvent.objects.count()

    advance(account, 3)

    event = ApiEvent.objects.filter(type=UPDATED, object_id="balance.summary.1").order_by("-created").first()
    assert ApiEvent.objects.count() == 2 * before
    # Only what changed: `updated` is the type's own refresh time here, later than the data's end.
    assert event.data["previous_attributes"] == {
        "data_available_end": int(datetime(2025, 12, 2, tzinfo=UTC).timestamp())
    }


def test_a_mark_that_moves_within_a_day_tells_nothing(account):
    BalanceTransactionFactory(account=account, created=datetime(2025, 1, 3, tzinfo=UTC))
    advance(account, 2)
    before = ApiEvent.objects.count()

    DataWatermark.advance(account, False, datetime(2025, 12, 2, 18, tzinfo=UTC))
    advance(account, 2)

    assert ApiEvent.objects.count() == before


def test_an_empty_ledger_tells_nothing(account):
    DataWatermark.advance(account, False, datetime(2025, 12, 1, tzinfo=UTC) + timedelta(days=5))

    assert not ApiEvent.objects.exists()
    watermark = DataWatermark.objects.get(account=account, livemode=False)
    assert watermark.announced_start == watermark.announced_end == datetime(2025, 1, 1, tzinfo=UTC)


def test_live_mode_types_are_told_in_live_mode_only(account, live_secret):
    BalanceTransactionFactory(account=account, livemode=True, created=datetime(2025, 1, 3, tzinfo=UTC))
    live_only = set(ReportType.objects.filter(id__in=list(REPORT_TYPES), live_only=True).values_list("id", flat=True))

    DataWatermark.advance(account, True, datetime(2025, 12, 5, tzinfo=UTC))

    told = set(ApiEvent.objects.filter(type=UPDATED, livemode=True).values_list("object_id", flat=True))
    assert told == set(REPORT_TYPES)
    assert live_only <= told
    assert not ApiEvent.objects.filter(livemode=False).exists()
    shown = ApiClient(live_secret).get("/v1/reporting/report_types/balance.summary.1").json()
    assert ApiEvent.objects.get(livemode=True, object_id="balance.summary.1").data["object"] == shown


def test_the_run_task_path_records_the_event_for_an_internal_error(account, monkeypatch):
    run = ReportRunFactory(account=account)
    monkeypatch.setattr("reporting.services.execute_report_run", lambda run: 1 / 0)

    tasks.run_report(run.pk)

    (event,) = ApiEvent.objects.all()
    assert event.type == "reporting.report_run.failed"
    assert event.data["object"]["error"] == tasks.INTERNAL_ERROR
