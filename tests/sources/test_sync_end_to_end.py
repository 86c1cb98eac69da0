"""Instance B syncs from instance A over HTTP with the official client, and every report comes out the same.

A is a real second instance (tests.sources.upstream: its own database, gunicorn,
the demo ledger); B is the test process and its database (SQLite or PostgreSQL).
The files of every report type, over several intervals and time zones and for
every automatic payout, are rendered on each side by the same code from each
side's own ledger, then compared byte for byte.
"""

from __future__ import annotations

import filecmp
import json
import os
import signal
import time
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from reporting.categories import PAYOUT_CATEGORIES
from reporting.models import BalanceTransaction, DataWatermark, Door, Event, Payout, StripeSource
from reporting.reports import REPORT_TYPES
from reporting.services import Caller
from reporting.services.sources import SourceError, connect_stripe, run_sync
from reporting.unixtime import from_unix, utc_midnight
from tests.factories import AccountFactory
from tests.log_secrets import record_api_secret
from tests.sources.ledger_dump import dump, fields
from tests.sources.render import render
from tests.sources.upstream import Upstream, upstream_instance
from tests.workers import worker_process

ROWS = 800
pytestmark = pytest.mark.django_db(transaction=True)  # one group: A starts once for the module


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Any:
    with upstream_instance(tmp_path_factory.mktemp("instance-a"), redis_url, rows=ROWS) as a:
        yield a


@pytest.fixture
def pointed_at(upstream: Upstream, settings: Any, scanned_log: Any) -> Upstream:
    # A's key is the Stripe key B keeps: no log of either instance may show it.
    record_api_secret(upstream.secret)
    scanned_log(upstream.var_dir / "gunicorn.log")
    settings.STRIPE_API_BASE = upstream.url
    settings.STRIPE_SYNC_LAG = 0
    settings.STRIPE_MAX_NETWORK_RETRIES = 3
    upstream.faults()
    return upstream


def connect(upstream: Upstream) -> StripeSource:
    account = AccountFactory()
    return connect_stripe(Caller(account, False, Door.CLI), upstream.secret)


def a_ledger(upstream: Upstream) -> dict[str, list[Any]]:
    return upstream.ledger()


def b_ledger(account_id: str) -> dict[str, list[Any]]:
    return dump(account_id)


def specs(source: StripeSource, *, only: str | None = None, payouts: list[str] | None = None) -> list[dict[str, Any]]:
    """Every type over the whole history, a month and a week, in UTC and New York, and every automatic payout.

    `only` keeps one of the intervals, `payouts` replaces every automatic payout with these. The
    days and payouts are B's: the ledgers are compared too, so a payout B lacked would show.
    """
    ledger = BalanceTransaction.objects.filter(account_id=source.account_id, livemode=False)
    first_day = utc_midnight(ledger.earliest("effective_at").effective_at)
    mine = Payout.objects.filter(account_id=source.account_id, livemode=False, automatic=True)
    automatic_payouts = list(mine.values_list("stripe_id", flat=True))
    end = utc_midnight(datetime.now(UTC)) + timedelta(days=1)
    middle = first_day + (end - first_day) / 2
    intervals = {
        "all": (first_day, end),
        "month": (utc_midnight(middle), utc_midnight(middle) + timedelta(days=30)),
        "week": (end - timedelta(days=8), end),
    }
    if only is not None:
        intervals = {only: intervals[only]}
    out: list[dict[str, Any]] = []
    for type_id, report in REPORT_TYPES.items():
        if "payout" in report.parameters:
            continue
        zones = ("Etc/UTC", "America/New_York") if "timezone" in report.parameters else ("Etc/UTC",)
        for label, (start, stop) in intervals.items():
            for zone in zones:
                name = f"{type_id}-{label}-{zone.replace('/', '_')}"
                spec = {"name": name, "type": type_id, "end": int(stop.timestamp()), "timezone": zone}
                if "interval_start" in report.parameters:
                    spec["start"] = int(start.timestamp())
                out.append(spec)
    for payout in automatic_payouts if payouts is None else payouts:
        for type_id in ("payout_reconciliation.by_id.summary.1", "payout_reconciliation.by_id.itemized.4"):
            out.append({"name": f"{type_id}-{payout}", "type": type_id, "payout": payout})
    return out


def assert_same_reports(upstream: Upstream, source: StripeSource, tmp: Path, **which: Any) -> int:
    """Render on both sides and compare every file, and the two ledgers field for field."""
    wanted = specs(source, **which)
    with upstream.rendering(wanted, tmp / "a"):
        render(source.account_id, False, wanted, tmp / "b")
    a_rows, b_rows = (json.loads((tmp / side / "ledger.json").read_text()) for side in "ab")
    assert b_rows == a_rows
    names = [f"{s['name']}.csv" for s in wanted]
    match, mismatch, errors = filecmp.cmpfiles(tmp / "a", tmp / "b", names, shallow=False)
    assert not errors
    assert not mismatch, f"{len(mismatch)} of {len(names)} files differ, e.g. {mismatch[:3]}"
    # The files say something: the activity lists every transaction of its interval but the payouts.
    label = which.get("only", "all")
    start, end = next((s.get("start"), s["end"]) for s in wanted if s["name"].endswith(f"-{label}-Etc_UTC"))
    lines = (tmp / "b" / f"balance_change_from_activity.itemized.3-{label}-Etc_UTC.csv").read_text().count("\n")
    activity = BalanceTransaction.objects.filter(
        account_id=source.account_id, effective_at__gte=from_unix(start), effective_at__lt=from_unix(end)
    ).exclude(reporting_category__in=PAYOUT_CATEGORIES)
    assert lines == activity.count() + 1 > 10
    return len(match)


def test_b_matches_a_file_for_file_and_follows_a_as_it_changes(
    pointed_at: Upstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Connected and synced from the command line, the key in the environment.
    account = AccountFactory()
    monkeypatch.setenv("STRIPE_API_KEY", pointed_at.secret)
    out = StringIO()
    call_command("connect_stripe", "--account", account.pk, stdout=out)
    call_command("sync_stripe", "--account", account.pk, stdout=out)
    assert pointed_at.secret not in out.getvalue()
    source = StripeSource.objects.get(account=account, livemode=False)
    assert DataWatermark.current(source.account_id, False) == source.synced_through
    compared = assert_same_reports(pointed_at, source, tmp_path / "first")
    assert compared > 150
    rows = BalanceTransaction.objects.filter(account=account).count()
    assert rows > 700
    assert f"Synced {rows:,} new balance transactions" in out.getvalue()
    synced = Event.objects.get(action=Event.Action.LEDGER_SYNCED, account=account)
    assert synced.data["rows"] == rows
    assert synced.data["links_added"] > 0

    # A moves on: new charges, and its last automatic payout fails and comes back.
    changed = pointed_at.change(_A_MOVES_ON).strip()
    time.sleep(1.1)  # past the second the changes were made in: the sync reads whole seconds
    again = run_sync(source)
    assert again.rows == 4  # three charges and the payout's failure
    assert [c["payout"] for c in again.payout_changes] == [changed]
    assert again.payout_changes[0]["status"] == ["paid", "failed"]
    assert Payout.objects.get(account=source.account, stripe_id=changed).status == "failed"
    event = Event.objects.get(action=Event.Action.PAYOUT_UPDATED, object_id=changed)
    assert event.data["changes"]["status"] == ["paid", "failed"]
    # The files of the last week (the new charges, the failure) and of the payout that failed.
    assert_same_reports(pointed_at, source, tmp_path / "second", only="week", payouts=[changed])


_A_MOVES_ON = """
from datetime import timedelta
from django.utils import timezone
from reporting.models import BalanceTransaction, Payout
now = timezone.now().replace(microsecond=0)
txns = BalanceTransaction.objects.filter(livemode=False)
charge = txns.filter(type="charge").values().latest("created")
for i in range(3):
    BalanceTransaction.objects.create(**{**charge, "id": None, "stripe_id": f"txn_new{i}", "created": now,
        "effective_at": now, "available_on": now + timedelta(days=2), "automatic_payout_id": None})
payout = Payout.objects.filter(livemode=False, automatic=True, status="paid").latest("arrival_date")
own = txns.filter(payout=payout, type="payout").values().get()
BalanceTransaction.objects.create(**{**own, "id": None, "stripe_id": "txn_newfail", "type": "payout_failure",
    "reporting_category": "payout_reversal", "amount": -own["amount"], "net": -own["net"], "created": now,
    "effective_at": now, "available_on": now, "description": f"Payout failure ({payout.stripe_id})"})
Payout.objects.filter(pk=payout.pk).update(status="failed", reversed_at=now)
print(payout.stripe_id)
"""


def test_a_sync_killed_halfway_ends_identical(pointed_at: Upstream, redis_url: str, settings: Any) -> None:
    source = connect(pointed_at)
    pointed_at.faults("every 0.02")  # slow enough to be caught half-way
    with worker_process(redis_url, STRIPE_API_BASE=pointed_at.url, STRIPE_SYNC_LAG="0") as worker:
        from reporting.tasks import sync_stripe_source

        sync_stripe_source.delay(source.pk)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            source.refresh_from_db()
            if source.synced_through is not None:
                break
            time.sleep(0.05)
        # The worker and its pool process die at once, as when their machine goes away.
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
        for pid in [*map(int, children), worker.pid]:
            os.kill(pid, signal.SIGKILL)
    source.refresh_from_db()
    written = BalanceTransaction.objects.filter(account_id=source.account_id).count()
    assert source.synced_through is not None
    assert source.last_success_at is None
    assert 0 < written < len(a_ledger(pointed_at))
    assert DataWatermark.current(source.account_id, False) is None  # reports saw none of it
    pointed_at.faults()
    settings.STRIPE_SYNC_STALE_AFTER = 0  # the killed sync's hold is stale at once
    run_sync(source)
    assert b_ledger(source.account_id) == a_ledger(pointed_at)


def test_stripe_failures_are_retried_and_a_failed_sync_leaves_whole_windows_and_the_watermark(
    pointed_at: Upstream, settings: Any
) -> None:
    settings.STRIPE_TIMEOUT = 0.5
    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    source = connect(pointed_at)
    # Each failure once is retried; then, three windows later, two 500s in a row outlast the one retry.
    pointed_at.faults("429", "500", "ok", "sleep 0.8", *["ok window"] * 3, "500 window", "500 window")
    with pytest.raises(SourceError, match=r"answered with an error \(500\)"):
        run_sync(source)
    source.refresh_from_db()
    assert "(500)" in source.last_error
    assert source.sync_heartbeat is None
    assert DataWatermark.current(source.account_id, False) is None
    # What was written is whole windows: every transaction A has before the cursor, nothing after it.
    mine = b_ledger(source.account_id)
    theirs = a_ledger(pointed_at)
    through = source.synced_through
    assert through is not None
    before = {k: v for k, v in theirs.items() if datetime.fromisoformat(v[fields().index("created")]) < through}
    assert {k: v[:-2] for k, v in mine.items()} == {k: v[:-2] for k, v in before.items()}
    assert 0 < len(mine) < len(theirs)
    pointed_at.faults()
    run_sync(source)
    assert b_ledger(source.account_id) == a_ledger(pointed_at)

    # An object the ledger has no place for (an undocumented category) fails the sync in words,
    # and its window is left out whole: the ledger and the watermark stay as they were.
    watermark = DataWatermark.current(source.account_id, False)
    pointed_at.change(_BOGUS)
    try:
        time.sleep(1.1)  # past the second it was created in: the sync reads whole seconds
        with pytest.raises(SourceError, match="txn_bogus: reporting_category 'bogus_category'"):
            run_sync(source)
    finally:
        pointed_at.change(
            'from reporting.models import BalanceTransaction as T; T.objects.filter(stripe_id="txn_bogus").delete()'
        )
    source.refresh_from_db()
    assert "bogus_category" in source.last_error
    assert DataWatermark.current(source.account_id, False) == watermark
    assert b_ledger(source.account_id) == a_ledger(pointed_at)


def test_bad_keys_and_unreachable_upstreams_are_refused_in_words(pointed_at: Upstream, settings: Any, caplog) -> None:
    account = AccountFactory()
    caller = Caller(account, False, Door.CLI)
    revoked = "sk_test_" + "R" * 30
    record_api_secret(revoked)
    with pytest.raises(SourceError, match=r"refused the key \(401\)"):
        connect_stripe(caller, revoked)
    with pytest.raises(SourceError, match="not a Stripe secret or restricted key"):
        connect_stripe(caller, "pk_test_abcdefghijkl")
    with pytest.raises(SourceError, match="live-mode key"):
        connect_stripe(caller, "sk_live_" + "L" * 30)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    with pytest.raises(SourceError, match="Could not reach http://127.0.0.1:9"):
        connect_stripe(caller, pointed_at.secret)
    assert not StripeSource.objects.filter(account=account).exists()
    assert revoked not in caplog.text
    assert pointed_at.secret not in caplog.text


_BOGUS = """
from django.utils import timezone
from reporting.models import BalanceTransaction
charge = BalanceTransaction.objects.filter(livemode=False, type="charge").values().latest("created")
now = timezone.now().replace(microsecond=0)
BalanceTransaction.objects.create(**{**charge, "id": None, "stripe_id": "txn_bogus", "created": now,
    "effective_at": now, "reporting_category": "bogus_category", "automatic_payout_id": None})
"""
