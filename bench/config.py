"""What a bench run does, read from the environment, and what its steps found."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from bench import loadgen

ITEMIZED = "balance_change_from_activity.itemized.1"
SUMMARY = "balance.summary.1"
STEPS = ("a", "b", "c", "d", "e", "f", "g", "h")
# BENCH_CELLS: the text cell forms of reporting.spreadsheet.CellFormat, the product's default first.
CELL_FORMATS = ("spreadsheet_safe", "stripe_exact")
# Steps that run on the generated ledgers; e makes its own account of report runs.
LEDGER_STEPS = frozenset("abcdfgh")


class BenchError(Exception):
    pass


def label(rows: int) -> str:
    """Return a ledger size as the table's column heads print it: "100k", "1M"."""
    if rows >= 1_000_000 and rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows >= 1000 and rows % 1000 == 0:
        return f"{rows // 1000}k"
    return str(rows)


def parse_steps(value: str) -> frozenset[str]:
    """Return the step letters of BENCH_STEPS (all when empty).

    a and b are one measurement (the exports and their memory), so either selects both.
    """
    steps = {s.strip().lower() for s in value.split(",") if s.strip()} or set(STEPS)
    if unknown := steps - set(STEPS):
        raise BenchError(f"BENCH_STEPS: unknown step {', '.join(sorted(unknown))} (steps are {','.join(STEPS)})")
    if steps & {"a", "b", "h"}:  # h is judged against a's baseline
        steps |= {"a", "b"}
    return frozenset(steps)


@dataclass
class Config:
    sizes: list[int]
    smoke: bool
    steps: frozenset[str] = frozenset(STEPS)
    export_repeats: int = 3  # 2 above 1M rows
    orm_max_rows: int = 1_000_000  # beyond this, list(queryset) needs more memory than it is worth
    d_runs: int = 50
    e_runs: int = 100_000
    e_seconds: int = 10
    e_connections: int = 8  # more than gunicorn's workers (config/gunicorn.py: 4 on 2 cores): always a queue
    f_reports: int = 200
    g_runs: int = 50  # summaries idle, and as many beside an export
    cells: str = CELL_FORMATS[0]  # the text cell form of step a's runs

    @classmethod
    def from_env(cls) -> Config:
        config = cls._from_env()
        config.cells = os.environ.get("BENCH_CELLS") or CELL_FORMATS[0]
        if config.cells not in CELL_FORMATS:
            raise BenchError(f"BENCH_CELLS must be one of {', '.join(CELL_FORMATS)}")
        return config

    @classmethod
    def _from_env(cls) -> Config:
        steps = parse_steps(os.environ.get("BENCH_STEPS", ""))
        if rows := os.environ.get("BENCH_ROWS"):
            sizes = sorted({int(r.replace("_", "")) for r in rows.split(",") if r.strip()})
        else:
            sizes = [100_000, 1_000_000]
            if os.environ.get("BENCH_FULL", "") not in ("", "0"):
                sizes.append(5_000_000)
        if not sizes or sizes[0] < 100:
            raise BenchError("BENCH_ROWS must be at least 100")
        if sizes[-1] < 100_000:  # a smoke run: small everywhere
            return cls(
                sizes, True, steps, export_repeats=1, d_runs=20, e_runs=5_000, e_seconds=1, f_reports=40, g_runs=10
            )
        return cls(sizes, False, steps)

    def runs(self, *steps: str) -> bool:
        """Return whether any of these steps is selected."""
        return not self.steps.isdisjoint(steps)

    @property
    def all_steps(self) -> bool:
        return self.steps == frozenset(STEPS)

    @property
    def target_size(self) -> int:
        """Return the size the targets are judged at: 1M, else the largest size up to 1M."""
        below = [s for s in self.sizes if s <= 1_000_000]
        return max(below) if below else self.sizes[0]


@dataclass
class Measured:
    """What the steps found, by ledger size label."""

    exports: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    summaries: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    latency: dict[str, dict[str, float]] = field(default_factory=dict)
    load: dict[str, loadgen.Load] = field(default_factory=dict)
    queries: dict[str, dict[str, int]] = field(default_factory=dict)
    serving: dict[str, loadgen.Load] = field(default_factory=dict)  # the dashboard: sync vs gevent workers
    throughput: dict[int, float] = field(default_factory=dict)
    parallelism: dict[int, float] = field(default_factory=dict)  # runs in progress, on average
    api_exports: dict[str, dict[str, float]] = field(default_factory=dict)  # size label -> storage -> seconds
    queues: dict[str, float] = field(default_factory=dict)  # step g: summary latency, idle and beside an export
