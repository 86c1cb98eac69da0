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
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from reporting.models import BalanceTransaction, DataWatermark, Door, Event, Payout, StripeSource
from reporting.reports import REPORT_TYPES
from reporting.services import Caller
from reporting.services.sources import SourceError, connect_stripe, run_sync
from reporting.unixtime import utc_midnight
from tests.factories import AccountFactory
from tests.log_secrets import record_api_secret
from tests.sources.ledger_dump import dump, fields
from tests.sources.render import render
from tests.sources.upstream import Upstream, upstream_instance
from tests.workers import worker_process

ROWS = 1200


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
    """A's test-mode ledger, read in A's own process."""
    return json.loads(upstream.module("tests.sources.ledger_dump", upstream.account_id))


def b_ledger(account_id: str) -> dict[str, list[Any]]:
    return dump(account_id)


def specs(upstream: Upstream) -> list[dict[str, Any]]:
    """Every type over the whole history, a month and a week, in UTC and New York, and every automatic payout."""
    first = utc_midnight(datetime.fromisoformat(upstream.python(_FIRST).strip()))
    end = utc_midnight(datetime.now(UTC)) + timedelta(days=1)
    middle = first + (end - first) / 2
    intervals = {
        "all": (first, end),
        "month": (utc_midnight(middle), utc_midnight(middle) + timedelta(days=30)),
        "week": (end - timedelta(days=8), end),
    }
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
    payouts = json.loads(upstream.python(_AUTOMATIC_PAYOUTS))
    for payout in payouts:
        for type_id in ("payout_reconciliation.by_id.summary.1", "payout_reconciliation.by_id.itemized.4"):
            out.append({"name": f"{type_id}-{payout}", "type": type_id, "payout": payout})
    return out


_FIRST = """
from reporting.models import BalanceTransaction
print(BalanceTransaction.objects.filter(livemode=False).earliest("effective_at").effective_at.isoformat())
"""
_AUTOMATIC_PAYOUTS = """
import json
from reporting.models import Payout
print(json.dumps(list(Payout.objects.filter(livemode=False, automatic=True).values_list("stripe_id", flat=True))))
"""


def assert_same_reports(upstream: Upstream, source: StripeSource, tmp: Path) -> int:
    wanted = specs(upstream)
    upstream.render(wanted, tmp / "a")
    render(source.account_id, False, wanted, tmp / "b")
    names = [f"{s['name']}.csv" for s in wanted]
    match, mismatch, errors = filecmp.cmpfiles(tmp / "a", tmp / "b", names, shallow=False)
    assert not errors
    assert not mismatch, f"{len(mismatch)} of {len(names)} files differ, e.g. {mismatch[:3]}"
    # The files say something: the whole history's itemized file lists every transaction.
    lines = (tmp / "b" / "balance_change_from_activity.itemized.3-all-Etc_UTC.csv").read_text().count("\n")
    assert lines == BalanceTransaction.objects.filter(account_id=source.account_id).count() + 1
    return len(match)


@pytest.mark.django_db
def test_b_matches_a_file_for_file_and_follows_a_as_it_changes(pointed_at: Upstream, tmp_path: Path) -> None:
    source = connect(pointed_at)
    tally = run_sync(source)
    source.refresh_from_db()
    assert tally.rows == len(a_ledger(pointed_at)) > 1000
    assert tally.links > 0
    assert b_ledger(source.account_id) == a_ledger(pointed_at)
    assert DataWatermark.current(source.account_id, False) == source.synced_through
    compared = assert_same_reports(pointed_at, source, tmp_path / "first")
    assert compared > 150

    # A moves on: new charges, and its last automatic payout fails and comes back.
    changed = pointed_at.python(_A_MOVES_ON).strip()
    time.sleep(1.1)  # past the second the changes were made in: the sync reads whole seconds
    again = run_sync(source)
    assert again.rows == 4  # three charges and the payout's failure
    assert [c["payout"] for c in again.payout_changes] == [changed]
    assert again.payout_changes[0]["status"] == ["paid", "failed"]
    assert b_ledger(source.account_id) == a_ledger(pointed_at)
    assert Payout.objects.get(account=source.account, stripe_id=changed).status == "failed"
    event = Event.objects.get(action=Event.Action.PAYOUT_UPDATED, object_id=changed)
    assert event.data["changes"]["status"] == ["paid", "failed"]
    assert_same_reports(pointed_at, source, tmp_path / "second")


_A_MOVES_ON = """
from datetime import timedelta
from django.utils import timezone
from reporting.models import BalanceTransaction, Payout
now = timezone.now().replace(microsecond=0)
txns = BalanceTransaction.objects.filter(livemode=False)
charge = txns.filter(type="charge").latest("created")
for i in range(3):
    charge.pk, charge.stripe_id, charge.created, charge.effective_at = None, f"txn_new{i}", now, now
    charge.available_on, charge.automatic_payout = now + timedelta(days=2), None
    charge.save()
payout = Payout.objects.filter(livemode=False, automatic=True, status="paid").latest("arrival_date")
failure = txns.get(payout=payout, type="payout")
failure.pk, failure.stripe_id, failure.type, failure.reporting_category = None, "txn_newfail", "payout_failure", "payout_reversal"
failure.amount, failure.net, failure.created, failure.effective_at, failure.available_on = (
    -failure.amount, -failure.net, now, now, now)
failure.description = f"Payout failure ({payout.stripe_id})"
failure.save()
Payout.objects.filter(pk=payout.pk).update(status="failed", reversed_at=now)
print(payout.stripe_id)
"""


@pytest.mark.django_db(transaction=True)
def test_a_sync_killed_halfway_ends_identical(pointed_at: Upstream, redis_url: str, settings: Any) -> None:
    source = connect(pointed_at)
    pointed_at.faults("every 0.05")  # slow enough to be caught half-way
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


@pytest.mark.django_db
def test_stripe_failures_are_retried_and_a_failed_sync_leaves_whole_windows(
    pointed_at: Upstream, settings: Any
) -> None:
    settings.STRIPE_TIMEOUT = 1.0
    source = connect(pointed_at)
    pointed_at.faults("429", "500", "sleep 1.5", *["ok"] * 40, *["500"] * 4)
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
    assert mine
    pointed_at.faults()
    run_sync(source)
    assert b_ledger(source.account_id) == a_ledger(pointed_at)


@pytest.mark.django_db
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
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.django_db
def test_an_upstream_object_that_cannot_be_mapped_fails_the_sync_in_words(pointed_at: Upstream) -> None:
    source = connect(pointed_at)
    newest = pointed_at.python(_BOGUS.format(category="bogus_category")).strip()
    try:
        with pytest.raises(SourceError, match=f"{newest}: reporting_category 'bogus_category'"):
            run_sync(source)
    finally:
        pointed_at.python(_BOGUS.format(category="charge"))
    source.refresh_from_db()
    assert "bogus_category" in source.last_error
    assert DataWatermark.current(source.account_id, False) is None
    assert not BalanceTransaction.objects.filter(account_id=source.account_id, stripe_id=newest).exists()


_BOGUS = """
from reporting.models import BalanceTransaction
charge = BalanceTransaction.objects.filter(livemode=False, type="charge").latest("created", "stripe_id")
BalanceTransaction.objects.filter(pk=charge.pk).update(reporting_category="{category}")
print(charge.stripe_id)
"""
