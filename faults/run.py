"""`make faults`: start the real processes, cause each fault, print what became of the runs.

FAULTS_SCALE=short (CI) or full; FAULTS=worker,redis,... picks faults (all by default).
DATABASE_URL names a PostgreSQL database the suite may drop and recreate; without
it, SQLite in FAULTS_VAR_DIR (default var/faults). Exit status 1 when any run was
lost or duplicated, a file left behind, or a request answered 5xx.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faults.tally import Outcome

BASE_DIR = Path(__file__).resolve().parent.parent
FAULTS_MARK = "reporting faults: dropped and recreated by every fault run"
# Short enough that a lost worker or task is noticed within seconds (the product's defaults are minutes).
PROCESS_ENV = {
    "REPORT_HEARTBEAT_SECONDS": "2",
    "REPORT_STALE_AFTER": "10",
    "REPORT_REAP_EVERY": "5",
    "REPORT_REQUEUE_AFTER": "10",
    # Every request of the import's writers must reach the database (a lock, not a rate limit, is
    # what that fault probes); tests/api/test_limits.py covers the limit itself.
    "RUN_RATE_LIMIT_PER_ACCOUNT": "100000/minute",
}


def main() -> int:
    var_dir = Path(os.environ.get("FAULTS_VAR_DIR") or BASE_DIR / "var" / "faults").resolve()
    shutil.rmtree(var_dir, ignore_errors=True)
    (var_dir / "logs").mkdir(parents=True)
    os.environ.update(VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="faults.settings", **PROCESS_ENV)
    os.environ.pop("REDIS_URL", None)  # the embedded Redis, which the suite kills and restarts
    sys.path.insert(0, str(BASE_DIR))
    from bench.database import prepare_database

    vendor = prepare_database(var_dir, "faults.sqlite3", FAULTS_MARK)
    import django

    django.setup()
    from django.core.management import call_command

    from faults import scenarios
    from faults.stack import Stack
    from faults.tally import Client

    short = os.environ.get("FAULTS_SCALE", "full") == "short"
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo", rows=15_000 if short else 50_000, verbosity=0)
    other_secret, other_interval = second_account()
    from reporting.demo import DEMO_TEST_SECRET
    from reporting.models import Account, data_availability

    start, end = data_availability(Account.objects.get(pk=scenarios.DEMO_ACCOUNT), False)
    env = {**os.environ, "PYTHONPATH": str(BASE_DIR)}
    stack = Stack(var_dir, env)
    chosen = [f for f in (os.environ.get("FAULTS") or ",".join(scenarios.SCENARIOS)).split(",") if f]
    outcomes = []
    try:
        stack.start_redis()
        stack.start_web()
        stack.start_worker(concurrency=2)
        stack.start_beat()
        ctx = scenarios.Context(
            stack=stack,
            demo=Client(stack.url, DEMO_TEST_SECRET),
            other=Client(stack.url, other_secret),
            interval={"interval_start": int(start.timestamp()), "interval_end": int(end.timestamp())},
            other_interval=other_interval,
            files_root=var_dir / "files",
            short=short,
        )
        from reporting.services import limits

        for name in chosen:
            # Fresh rate-limit windows: the import's writers use up the demo account's run
            # rate, which would otherwise refuse the next fault's runs (README "Limits").
            limits.reset()
            began = time.monotonic()
            print(f"[faults] {name} …", flush=True)
            outcome = scenarios.SCENARIOS[name](ctx)
            print(f"[faults] {name}: done in {time.monotonic() - began:.0f} s", flush=True)
            outcomes.append(outcome)
    finally:
        stack.stop()
    print_table(outcomes, vendor, short)
    return 0 if all(o.ok for o in outcomes) else 1


def second_account() -> tuple[str, dict[str, object]]:
    """A second account with one day of ledger, and its test key: the one a flood must not starve."""
    from datetime import UTC

    from reporting.models import Account, ApiKey, BalanceTransaction, DataWatermark

    day = datetime(2025, 1, 1, tzinfo=UTC)
    account, _ = Account.objects.get_or_create(id="acct_faultsother00000", defaults={"name": "Other", "created": day})
    BalanceTransaction.objects.create(
        account=account, stripe_id="txn_other", type="charge", reporting_category="charge", amount=100, fee=3,
        net=97, currency="usd", created=day, available_on=day, effective_at=day,
    )  # fmt: skip
    DataWatermark.advance(account, False, day + timedelta(days=2))
    _, secret = ApiKey.issue(account=account, livemode=False, name="faults")
    interval: dict[str, object] = {
        "interval_start": int(day.timestamp()),
        "interval_end": int((day + timedelta(days=1)).timestamp()),
    }
    return secret, interval


def print_table(outcomes: list[Outcome], vendor: str, short: bool) -> None:
    print(f"\n## Faults ({vendor}, {'short' if short else 'full'})\n")
    print(
        "| fault | accepted | refused (4xx) | 5xx | succeeded | failed with a reason | lost | duplicated files "
        "| stray files | slowest to an end (bound) | verdict |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for o in outcomes:
        lost = "not run" if o.lost < 0 else o.lost
        verdict = "not run" if o.lost < 0 else ("ok" if o.ok else "FAILED")
        print(
            f"| {o.fault} | {o.accepted} | {o.refused} | {o.server_errors} | {o.succeeded} | {o.failed} | {lost} "
            f"| {o.duplicated} | {o.stray_files} | {o.slowest:.0f} s ({o.bound:.0f} s) | {verdict} |"
        )
    print()
    for o in outcomes:
        for note in dict.fromkeys(o.notes):
            print(f"- {o.fault}: {note}")
