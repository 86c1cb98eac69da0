"""The faults, one function each: cause it against the running stack, then count what became of the runs."""

from __future__ import annotations

import base64
import contextlib
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from faults.stack import Stack
from faults.tally import Client, Outcome, count_files, wait_terminal

SUMMARY = "balance.summary.1"
ITEMIZED = "balance_change_from_activity.itemized.1"
DEMO_ACCOUNT = "acct_demo000000000000"
ALL_V1 = ["balance_transaction_id", "created_utc", "available_on_utc", "currency", "gross", "fee", "net",
          "reporting_category", "source_id", "description", "customer_id", "customer_email", "customer_name",
          "charge_id", "payment_intent_id", "card_brand", "card_country", "statement_descriptor"]  # fmt: skip
IMPORT_ACCOUNT = "acct_faultsimport0000"


@dataclass
class Context:
    stack: Stack
    demo: Client  # the demo account's test key
    other: Client  # a second account's test key
    interval: dict[str, object]  # the demo ledger's whole history
    other_interval: dict[str, object]
    files_root: Path
    short: bool

    def settle(self, outcome: Outcome, ids: list[str], started: float, bound: float) -> Outcome:
        wait_terminal(ids, outcome, started, bound)
        count_files(self.files_root, ids, outcome)
        return outcome


def worker_killed(ctx: Context) -> Outcome:
    """SIGKILL the worker in the middle of an export; a new worker starts; every run must still end."""
    outcome = Outcome("worker SIGKILL mid-export")
    stack = ctx.stack
    stack.stop_workers()
    # Slow enough that the kill lands mid-export: 5,000 rows per write.
    slow = stack.start_worker(FAULTS_EXPORT_DELAY="1" if ctx.short else "0.5")
    started = time.monotonic()
    ids = [i for _ in range(2) if (i := ctx.demo.request_run(ITEMIZED, ctx.interval, outcome))]
    from reporting.models import ReportRun

    deadline = time.monotonic() + 60
    while not ReportRun.objects.filter(pk__in=ids, started_at__isnull=False).exists():
        if time.monotonic() > deadline:
            outcome.notes.append("no run started within 60 s")
            break
        time.sleep(0.2)
    time.sleep(1.5)  # mid-export: a few chunks written
    stack.kill_worker(slow)
    stack.start_worker(concurrency=2)
    ctx.settle(outcome, ids, started, bound=120)
    attempts = sorted(ReportRun.objects.filter(pk__in=ids).values_list("attempts", flat=True))
    outcome.notes.append(f"attempts per run: {attempts} (a second attempt took over the killed one)")
    return outcome


def redis_restarted(ctx: Context) -> Outcome:
    """Kill Redis, ask for runs while it is down, start it again: every run is answered and ends."""
    outcome = Outcome("Redis killed and restarted")
    stack = ctx.stack
    started = time.monotonic()
    stack.kill_redis()
    ids = [i for _ in range(3) if (i := ctx.demo.request_run(SUMMARY, ctx.interval, outcome))]
    time.sleep(3)
    stack.start_redis()
    return ctx.settle(outcome, ids, started, bound=120)


def import_with_writers(ctx: Context) -> Outcome:
    """A long import into a third account while runs are requested all along: no 500, none lost."""
    outcome = Outcome("long import + concurrent API writers")
    from reporting.models import Account

    csv = ctx.stack.var_dir / "import.csv"
    export_demo(csv, days=45 if ctx.short else None)
    Account.objects.get_or_create(id=IMPORT_ACCOUNT, defaults={"name": "Imported"})
    started = time.monotonic()
    importer = ctx.stack.manage("import_ledger", str(csv), "--account", IMPORT_ACCOUNT)
    ids: list[str] = []
    lock = threading.Lock()

    def writer() -> None:
        while importer.poll() is None:
            run_id = ctx.demo.request_run(SUMMARY, ctx.interval, outcome)
            if run_id:
                with lock:
                    ids.append(run_id)

    threads = [threading.Thread(target=writer) for _ in range(4 if ctx.short else 20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if importer.wait() != 0:
        outcome.notes.append(f"import_ledger exited {importer.returncode}")
    outcome.notes.append(f"import took {time.monotonic() - started:.1f} s ({csv.stat().st_size / 1e6:.0f} MB)")
    return ctx.settle(outcome, ids, started, bound=180)


def slow_clients(ctx: Context) -> Outcome:
    """30 connections dribble their requests and one reads a download slowly; /healthz and runs go on."""
    outcome = Outcome("slow senders + slow reader")
    host, port = "127.0.0.1", ctx.stack.port
    started = time.monotonic()
    # A file to read slowly: the whole history, itemized (several MB).
    big = [i for i in [ctx.demo.request_run(ITEMIZED, {**ctx.interval, "columns": ALL_V1}, outcome)] if i]
    wait_terminal(big, Outcome("made ready"), started, bound=60)  # counted once, at the end
    with dribblers(host, port, 30), slow_reader(ctx, host, port) as reading:
        latencies = [healthz_seconds(ctx.stack.url) for _ in range(5)]
        ids = [i for _ in range(3) if (i := ctx.demo.request_run(SUMMARY, ctx.interval, outcome))]
        if not ctx.short:
            reading["whole"] = 1  # read the file to its end before the dribblers let go
    outcome.notes.append(f"/healthz under 30 dribblers: slowest {max(latencies):.2f} s")
    got, size = reading.get("bytes", 0), reading.get("size", 0)
    outcome.notes.append(f"slow reader: {got / 1e6:.1f} MB of {size / 1e6:.1f} MB in {reading.get('seconds', 0):.1f} s")
    if max(latencies) > 1:
        outcome.server_errors += 1
    return ctx.settle(outcome, [*big, *ids], started, bound=60)


def flood(ctx: Context) -> Outcome:
    """One account floods runs; another's single run must not wait behind them for long."""
    outcome = Outcome("flood from one account")
    started = time.monotonic()
    ids: list[str] = []
    lock = threading.Lock()

    def flooder() -> None:
        for _ in range(10 if ctx.short else 50):
            run_id = ctx.demo.request_run(SUMMARY, ctx.interval, outcome)
            if run_id:
                with lock:
                    ids.append(run_id)

    threads = [threading.Thread(target=flooder) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    theirs = ctx.other.request_run(SUMMARY, ctx.other_interval, outcome)
    ctx.settle(outcome, [*ids, *([theirs] if theirs else [])], started, bound=180)
    if theirs:
        from reporting.models import ReportRun

        run = ReportRun.objects.get(pk=theirs)
        if run.started_at:
            outcome.notes.append(
                f"the other account's run waited {(run.started_at - run.created).total_seconds():.1f} s"
            )
    return outcome


def full_disk(ctx: Context) -> Outcome:
    """Report storage on a 1 MB filesystem: a file that does not fit, then a full disk.

    Each run must fail in words and leave no file; /healthz must say storage is failing.
    """
    outcome = Outcome("full disk")
    tiny = ctx.stack.var_dir / "tiny"
    tiny.mkdir(exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(tiny)], capture_output=True)
    if mounted.returncode:
        outcome.notes.append(f"not run: cannot mount a tmpfs ({mounted.stderr.decode().strip()})")
        outcome.lost = -1
        return outcome
    try:
        ctx.stack.restart_with(REPORT_FILES_ROOT=str(tiny))
        started = time.monotonic()
        ids = [i for i in [ctx.demo.request_run(ITEMIZED, ctx.interval, outcome)] if i]  # several MB
        wait_terminal(ids, outcome, started, bound=60)
        with contextlib.suppress(OSError), (tiny / "filler").open("wb") as filler:
            while True:  # until ENOSPC: the disk is full
                filler.write(b"\0" * 65536)
                filler.flush()
        outcome.notes.append(f"/healthz with the disk full: {healthz_body(ctx.stack.url)}")
        small = [i for i in [ctx.demo.request_run(SUMMARY, ctx.interval, outcome)] if i]
        wait_terminal(small, outcome, started, bound=60)
        (tiny / "filler").unlink()
        count_files(tiny, [*ids, *small], outcome)
    finally:
        ctx.stack.restart_with()
        subprocess.run(["umount", str(tiny)], capture_output=True)
    return outcome


SCENARIOS: dict[str, Callable[[Context], Outcome]] = {
    "worker": worker_killed,
    "redis": redis_restarted,
    "import": import_with_writers,
    "slow": slow_clients,
    "flood": flood,
    "disk": full_disk,
}


def export_demo(path: Path, days: int | None = None) -> None:
    """Write the demo's test-mode history (its last `days`, or all) as an all-columns itemized export."""
    from reporting.models import Account, data_availability
    from reporting.reports import REPORT_TYPES, Params

    account = Account.objects.get(pk=DEMO_ACCOUNT)
    start, end = data_availability(account, False)
    if days is not None:
        start = max(start, end - timedelta(days=days))
    report = REPORT_TYPES["balance_change_from_activity.itemized.3"]
    params = Params(
        account_id=account.id, livemode=False, interval_start=start, interval_end=end, columns=report.column_names
    )
    with path.open("wb") as out:
        report.write(params, out)


@contextlib.contextmanager
def dribblers(host: str, port: int, n: int) -> Iterator[None]:
    sockets = [socket.create_connection((host, port)) for _ in range(n)]
    for s in sockets:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    try:
        yield
    finally:
        for s in sockets:
            s.close()


@contextlib.contextmanager
def slow_reader(ctx: Context, host: str, port: int, rate: float = 1.5e6) -> Iterator[dict[str, float]]:
    """Download the largest file there is at `rate` bytes/s in a thread, for the length of the block."""
    from reporting.models import File

    result: dict[str, float] = {}
    file = File.objects.filter(account_id=DEMO_ACCOUNT, livemode=False).order_by("-size").first()
    stop = threading.Event()

    def read() -> None:
        if file is None:
            return
        auth = base64.b64encode(f"{ctx.demo.secret}:".encode()).decode()
        with socket.create_connection((host, port), timeout=30) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
            s.sendall(
                f"GET /v1/files/{file.id}/contents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {auth}\r\nConnection: close\r\n\r\n".encode()
            )
            got, begun = 0, time.monotonic()
            while not stop.is_set() and (chunk := s.recv(32768)):
                got += len(chunk)
                time.sleep(max(0.0, got / rate - (time.monotonic() - begun)))
            result.update(bytes=got, seconds=time.monotonic() - begun, size=file.size)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        time.sleep(1)
        yield result
        if result.get("whole"):
            thread.join()
    finally:
        stop.set()
        thread.join()


def healthz_seconds(url: str) -> float:
    begun = time.monotonic()
    try:
        urllib.request.urlopen(f"{url}/healthz", timeout=10).read()
    except OSError:
        return 10.0
    return time.monotonic() - begun


def healthz_body(url: str) -> str:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=10) as response:
            return str(response.read().decode())
    except urllib.error.HTTPError as error:
        return f"{error.code} {error.read().decode()!s}"
    except OSError as error:
        return f"unreachable: {error}"
