from __future__ import annotations

import io
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from reporting import tasks
from reporting.demo import DEMO_ACCOUNT_ID, DEMO_TEST_SECRET
from reporting.models import ApiKey, BalanceTransaction, Event, ReportRun
from tests.factories import AccountFactory, BalanceTransactionFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_api_key_prints_only_a_test_secret_that_authenticates():
    account = AccountFactory()

    output = run("create_api_key", "--account", account.id)

    lines = output.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("sk_test_")
    key = ApiKey.objects.authenticate(lines[0])
    assert key is not None
    assert (key.account_id, key.livemode) == (account.id, False)


def test_create_api_key_live_prints_a_live_secret():
    account = AccountFactory()

    secret = run("create_api_key", "--account", account.id, "--live").strip()

    assert secret.startswith("sk_live_")
    assert ApiKey.objects.authenticate(secret).livemode is True


def test_create_api_key_stores_the_name():
    account = AccountFactory()

    secret = run("create_api_key", "--account", account.id, "--name", "Nightly export").strip()

    assert ApiKey.objects.authenticate(secret).name == "Nightly export"


def test_create_api_key_records_event_from_the_command_line():
    account = AccountFactory()

    secret = run("create_api_key", "--account", account.id, "--live").strip()

    key = ApiKey.objects.authenticate(secret)
    event = Event.objects.get(action=Event.Action.KEY_CREATED)
    assert (event.account_id, event.livemode, event.door, event.object_id) == (account.id, True, "cli", str(key.pk))


def test_create_api_key_unknown_account_raises_and_creates_nothing():
    AccountFactory()

    with pytest.raises(CommandError, match="acct_nope"):
        run("create_api_key", "--account", "acct_nope")

    assert not ApiKey.objects.exists()
    assert not Event.objects.exists()


def test_load_demo_command_loads_and_prints_summary():
    output = run("load_demo", "--rows", "1000", "--seed", "5")

    assert "test mode: generated" in output
    assert "live mode: generated" in output
    assert DEMO_TEST_SECRET in output
    assert BalanceTransaction.objects.for_mode(DEMO_ACCOUNT_ID, False).count() > 500
    assert ApiKey.objects.authenticate(DEMO_TEST_SECRET) is not None


def test_load_demo_command_twice_leaves_ledger_as_is():
    run("load_demo", "--rows", "1000")
    ids = set(BalanceTransaction.objects.values_list("pk", flat=True))

    output = run("load_demo", "--rows", "1000")

    assert "already loaded" in output
    assert set(BalanceTransaction.objects.values_list("pk", flat=True)) == ids


def test_load_demo_command_reset_regenerates_with_new_rows():
    run("load_demo", "--rows", "1000")
    old_ids = set(BalanceTransaction.objects.values_list("pk", flat=True))

    output = run("load_demo", "--rows", "500", "--reset")

    new_ids = set(BalanceTransaction.objects.values_list("pk", flat=True))
    assert f"Deleted the demo ledger ({len(old_ids):,} balance transactions)" in output
    assert new_ids
    assert not old_ids & new_ids
    assert len(new_ids) < len(old_ids)


def test_load_demo_command_rejects_negative_rows():
    with pytest.raises(CommandError, match="--rows"):
        run("load_demo", "--rows", "-1")

    assert not BalanceTransaction.objects.exists()


def test_request_report_run_prints_the_id_of_a_pending_cli_run(account, django_capture_on_commit_callbacks):
    BalanceTransactionFactory(account=account, created=datetime(2025, 9, 1, tzinfo=UTC))

    with mock.patch.object(tasks.run_report, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        output = run(
            "request_report_run",
            "balance_change_from_activity.itemized.1",
            "--account",
            account.id,
            "--param",
            "interval_start=1756684800",
            "--param",
            "interval_end=1759276800",
            "--param",
            "columns=balance_transaction_id,net",
        )

    run_ = ReportRun.objects.get()
    assert output.strip() == run_.id
    assert (run_.status, run_.requested_via, run_.livemode) == ("pending", "cli", False)
    assert run_.parameters["columns"] == ["balance_transaction_id", "net"]
    delay.assert_called_once_with(run_.id)


def test_request_report_run_refusal_names_the_parameter_and_creates_nothing(account):
    BalanceTransactionFactory(account=account, created=datetime(2025, 9, 1, tzinfo=UTC))

    with pytest.raises(CommandError, match=r"^interval_start: interval_start is before data_available_start"):
        run(
            "request_report_run",
            "balance.summary.1",
            "--account",
            account.id,
            "--param",
            "interval_start=1754006400",
            "--param",
            "interval_end=1759276800",
        )

    assert not ReportRun.objects.exists()
