"""The results as Markdown: machine facts, one table per database, notes."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    step: str
    metric: str
    values: dict[str, str] = field(default_factory=dict)  # size label -> cell
    target: str = ""
    status: str = ""  # "met", "missed", "error" or ""


def status(ok: bool) -> str:
    return "met" if ok else "missed"


def rate(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.2f}M rows/s"
    if value >= 1000:
        return f"{value / 1000:.0f}k rows/s"
    return f"{value:.0f} rows/s"


def mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def ms(seconds: float) -> str:
    value = seconds * 1000
    return f"{value:.1f} ms" if value < 10 else f"{value:.0f} ms"


def count(n: int) -> str:
    return f"{n:,}"


def table(rows: list[Row], columns: list[str], target_column: str) -> str:
    head = ["step", "metric", *columns, f"target (at {target_column})", "status"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 2 + ["--:"] * len(columns) + ["---"] * 2) + "|"]
    for row in rows:
        cells = [row.step, row.metric, *(row.values.get(c, "·") for c in columns), row.target, _status(row.status)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def _status(value: str) -> str:
    if value in ("missed", "error"):
        return f"**{value}**"
    return value


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine_facts(database: str, extra: dict[str, str]) -> dict[str, str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines() if "model name" in line), ""
    )
    mem = next((line.split()[1] for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")), "0")
    os_name = next(
        (
            line.split("=", 1)[1].strip('"')
            for line in _read("/etc/os-release").splitlines()
            if line.startswith("PRETTY")
        ),
        platform.system(),
    )
    import django

    facts = {
        "CPU": cpu or platform.processor() or "unknown",
        "cores": str(os.cpu_count()),
        "RAM": f"{int(mem) / 1024 / 1024:.1f} GiB",
        "OS": f"{os_name}, kernel {platform.release()}",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "database": database,
    }
    facts.update(extra)
    facts["code"] = git_state()
    return facts


def git_state() -> str:
    def git(*args: str) -> str:
        try:
            out = subprocess.run(["git", *args], cwd=BASE_DIR, capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return out.stdout.rstrip()

    head = git("rev-parse", "--short", "HEAD").strip()
    if not head:
        return "not a git checkout"
    changed = [
        line[3:] for line in git("status", "--porcelain").splitlines() if not line[3:].startswith(("bench/", "var/"))
    ]
    if not changed:
        return f"commit {head}, clean"
    shown = ", ".join(changed[:8]) + (" …" if len(changed) > 8 else "")
    return f"commit {head} plus uncommitted changes in {len(changed)} files ({shown})"


def document(title: str, facts: dict[str, str], body: str, notes: list[str]) -> str:
    parts = [f"# {title}", ""]
    parts += [f"- **{k}**: {v}" for k, v in facts.items()]
    parts += ["", body, ""]
    if notes:
        parts += ["Notes:", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(parts)
