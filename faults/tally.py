"""Ask for runs through the API as a client would, and count what became of them."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Outcome:
    fault: str
    accepted: int = 0  # POSTs answered 200: a run exists and must end succeeded or failed
    refused: int = 0  # 4xx answers (429 under a flood): nothing was created
    server_errors: int = 0  # 5xx answers
    succeeded: int = 0
    failed: int = 0  # failed with a reason in words
    lost: int = 0  # accepted but not terminal within the bound, or failed without a reason
    duplicated: int = 0  # runs with more than one file in storage
    stray_files: int = 0  # files in storage that no run's File names (half-written leftovers)
    slowest: float = 0.0  # seconds from request to terminal, the slowest accepted run
    bound: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.stray_files or self.server_errors)


class Client:
    def __init__(self, base_url: str, secret: str) -> None:
        self.base_url = base_url
        self.secret = secret

    def request_run(self, report_type: str, parameters: dict[str, object], outcome: Outcome) -> str | None:
        """POST a run; count the answer; return the run id when accepted."""
        form = {"report_type": report_type}
        for name, value in parameters.items():
            if isinstance(value, list):
                form.update({f"parameters[{name}][{i}]": str(v) for i, v in enumerate(value)})
            else:
                form[f"parameters[{name}]"] = str(value)
        request = urllib.request.Request(
            f"{self.base_url}/v1/reporting/report_runs",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Authorization": f"Bearer {self.secret}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                outcome.accepted += 1
                return str(json.load(response)["id"])
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                outcome.server_errors += 1
                outcome.notes.append(f"{error.code} from POST: {error.read()[:200]!r}")
            else:
                outcome.refused += 1
        except OSError as error:
            outcome.server_errors += 1
            outcome.notes.append(f"POST failed: {error}")
        return None


def wait_terminal(ids: list[str], outcome: Outcome, started: float, bound: float) -> None:
    """Wait up to `bound` seconds after `started` for every run to end; count the ends."""
    from reporting.models import ReportRun

    outcome.bound = bound
    pending = set(ids)
    while pending and time.monotonic() - started < bound:
        done = ReportRun.objects.filter(pk__in=pending).exclude(status=ReportRun.Status.PENDING)
        for run_id in done.values_list("pk", flat=True):
            pending.discard(run_id)
        outcome.slowest = max(outcome.slowest, time.monotonic() - started)
        time.sleep(0.5)
    runs = ReportRun.objects.filter(pk__in=ids)
    outcome.succeeded += runs.filter(status=ReportRun.Status.SUCCEEDED).count()
    outcome.failed += runs.filter(status=ReportRun.Status.FAILED).exclude(error="").count()
    ended = runs.exclude(status=ReportRun.Status.PENDING).exclude(status=ReportRun.Status.FAILED, error="")
    outcome.lost += len(ids) - ended.count()
    for run in runs.filter(status=ReportRun.Status.FAILED):
        outcome.notes.append(f"failed: {run.error}")


def count_files(root: Path, ids: list[str], outcome: Outcome) -> None:
    """The scenario's runs in the report storage: one file per succeeded run, none otherwise, no strays."""
    from reporting.models import File, ReportRun

    named = set(File.objects.values_list("storage_name", flat=True))
    mine = set(ids)
    per_run: dict[str, int] = {}
    for path in root.rglob("*.csv") if root.exists() else []:
        run_id = "_".join(path.stem.split("_", 2)[:2])  # frr_<id>, maybe with the storage's _<suffix>
        if run_id not in mine:
            continue
        per_run[run_id] = per_run.get(run_id, 0) + 1
        if str(path.relative_to(root)) not in named:
            outcome.stray_files += 1
    outcome.duplicated += sum(1 for n in per_run.values() if n > 1)
    succeeded = ReportRun.objects.filter(pk__in=ids, status=ReportRun.Status.SUCCEEDED).select_related("result")
    outcome.lost += sum(1 for run in succeeded if run.result is None or run.result.storage_name not in named)
