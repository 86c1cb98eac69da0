"""The whole import through the `import_ledger` command: event, watermark, mode, dry run, refusals."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from reporting.models import BalanceTransaction, DataWatermark, Event, Payout

from .conftest import BALANCE_CSV, at, ledger_state

pytestmark = pytest.mark.django_db


def test_command_records_the_event_and_advances_the_watermark(load, fresh):
    load(fresh, BALANCE_CSV, name="march.csv")

    event = Event.objects.get(action=Event.Action.LEDGER_IMPORTED)
    assert (event.door, event.account, event.livemode, event.actor) == ("cli", fresh, False, None)
    assert event.data["file"] == "march.csv"
    assert event.data["rows"] == 4
    assert event.data["skipped"] == 0
    assert event.data["layout"] == "balance_change_from_activity.itemized"
    watermark = DataWatermark.objects.get(account=fresh, livemode=False)
    assert watermark.complete_through == at(3, 3, 9)  # the latest created


def test_command_never_moves_the_watermark_back(load, account):
    load(account, BALANCE_CSV)

    assert DataWatermark.objects.get(account=account, livemode=False).complete_through == at(12, 1)


def test_command_live_imports_into_live_mode(load, fresh):
    output = load(fresh, BALANCE_CSV, "--live")

    assert "(live mode)" in output
    assert BalanceTransaction.objects.filter(livemode=True).count() == 4
    assert not BalanceTransaction.objects.filter(livemode=False).exists()
    assert Payout.objects.get().livemode is True
    assert Event.objects.get().livemode is True


def test_command_dry_run_writes_nothing(load, fresh):
    before = ledger_state()

    output = load(fresh, BALANCE_CSV, "--dry-run")

    assert "4 added" in output
    assert ledger_state() == before


def test_command_refuses_an_unknown_account(load, db):
    with pytest.raises(CommandError, match="No account with id 'acct_nope'"):
        load(type("A", (), {"id": "acct_nope"})(), BALANCE_CSV)


def test_command_refuses_a_missing_file(fresh, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_ledger", "--account", fresh.id, str(tmp_path / "nope.csv"))
