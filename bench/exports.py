"""Steps a and b: the itemized export's speed against the raw driver and a naive ORM loop, and
the peak memory of the process that writes it; each export in a fresh process (bench/child.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.config import ITEMIZED, BenchError
from bench.harness import BASE_DIR, interval
from bench.report import mb

if TYPE_CHECKING:
    from bench.harness import Bench


def run_child(bench: Bench, mode: str, run_id: str, out: Path) -> dict[str, Any]:
    """Run one export in `python -m bench.child` and return what it measured."""
    args = [sys.executable, "-m", "bench.child", mode, run_id, str(out)]
    done = subprocess.run(
        args, cwd=BASE_DIR, env=bench.child_env(), capture_output=True, text=True, timeout=3600, check=False
    )
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise BenchError(f"{mode} export exited with {done.returncode}: {tail}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def exports(bench: Bench) -> None:
    from reporting.models import Door, ReportRun, report_storage

    bench.notes.append(f"Step a writes text cells {bench.config.cells} (BENCH_CELLS).")
    out_dir = bench.var_dir / "exports"
    out_dir.mkdir(parents=True, exist_ok=True)
    config = bench.config
    for size, built in bench.ledgers.items():
        start, end = bench.availability(built.account_id)
        repeats = min(config.export_repeats, 2) if size > 1_000_000 else config.export_repeats
        # An untimed first read puts this ledger in the caches for everyone that follows.
        modes = ["warm-up"] + ["baseline", "product"] * repeats
        if size <= config.orm_max_rows:
            modes.append("orm")
        found: dict[str, list[dict[str, Any]]] = {"baseline": [], "product": [], "orm": []}
        for mode in modes:
            run = ReportRun.objects.create(
                account_id=built.account_id,
                livemode=False,
                report_type_id=ITEMIZED,
                parameters=interval(start, end),
                requested_via=Door.CLI,
                cell_format=bench.config.cells,
            )
            out = out_dir / f"{mode}.csv"
            result = run_child(bench, "baseline" if mode == "warm-up" else mode, run.id, out)
            found.setdefault(mode, []).append(result)
            out.unlink(missing_ok=True)
            run = ReportRun.objects.select_related("result").get(pk=run.pk)
            if run.result is not None:
                report_storage().delete(run.result.storage_name)  # 100+ MB at 1M rows
            print(
                f"[bench]   {built.label} {mode}: {result['rows']:,} rows in {result['seconds']:.2f} s, "
                f"peak RSS {mb(result['maxrss_kb'])}",
                flush=True,
            )
        rows = {r["rows"] for results in found.values() for r in results}
        if len(rows) != 1:
            raise BenchError(f"{built.label}: the exports disagree on the number of rows: {sorted(rows)}")
        found.pop("warm-up", None)
        bench.m.exports[built.label] = found
