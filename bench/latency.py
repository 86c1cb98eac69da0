"""Step d: submit → succeeded latency of one-month summaries over HTTP, through gunicorn and a Celery worker."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from bench.config import SUMMARY, BenchError
from bench.harness import interval

if TYPE_CHECKING:
    from bench.harness import Bench


def api(
    conn: http.client.HTTPConnection, method: str, path: str, secret: str, body: str | None = None
) -> dict[str, Any]:
    """Call the API with this key and return the answer's JSON; raise unless it is a 200."""
    headers = {"Authorization": f"Bearer {secret}"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data: dict[str, Any] = json.loads(response.read())
    if response.status != 200:
        raise BenchError(f"{method} {path} answered {response.status}: {data}")
    return data


def run_to_the_end(
    conn: http.client.HTTPConnection,
    secret: str,
    body: str,
    *,
    timeout: float = 120,
    pause: Callable[[float], float] = lambda elapsed: 0.01,
    check: Callable[[], None] = lambda: None,
) -> tuple[float, float, dict[str, Any]]:
    """POST a run, then GET it until it ends (`pause(seconds so far)` apart); raise unless it succeeded.

    Return the seconds from the POST to the answer saying `succeeded`, those of the POST alone, and the run.
    """
    started = time.perf_counter()
    run = api(conn, "POST", "/v1/reporting/report_runs", secret, body)
    post = time.perf_counter() - started
    while run["status"] == "pending":
        if time.perf_counter() - started > timeout:
            raise BenchError(f"run {run['id']} still pending after {timeout:.0f} s")
        check()
        time.sleep(pause(time.perf_counter() - started))
        run = api(conn, "GET", f"/v1/reporting/report_runs/{run['id']}", secret)
    if run["status"] != "succeeded":
        raise BenchError(f"run {run['id']} ended {run['status']}: {run.get('error')}")
    return time.perf_counter() - started, post, run


def latency(bench: Bench) -> None:
    from reporting.models import ReportRun

    for built in bench.ledgers.values():
        secret = bench.keys[built.account_id]
        first_day, end = bench.availability(built.account_id)
        conn = http.client.HTTPConnection("127.0.0.1", bench.port, timeout=30)
        seconds, posts, ids = [], [], []
        for i in range(bench.config.d_runs):
            stop = end - timedelta(days=i)
            start = max(first_day, stop - timedelta(days=30))
            parameters = {f"parameters[{k}]": v for k, v in interval(start, stop).items()}
            body = urlencode({"report_type": SUMMARY, **parameters})
            total, post, run = run_to_the_end(conn, secret, body)
            seconds.append(total)
            posts.append(post)
            ids.append(run["id"])
        conn.close()
        runs = list(ReportRun.objects.filter(pk__in=ids))
        queued = [(r.started_at - r.created).total_seconds() for r in runs if r.started_at]
        running = [(r.finished_at - r.started_at).total_seconds() for r in runs if r.finished_at and r.started_at]
        bench.m.latency[built.label] = {
            "p50": percentile(seconds, 0.5),
            "p95": percentile(seconds, 0.95),
            "post_p50": percentile(posts, 0.5),
            "queue_p50": percentile(queued, 0.5),
            "run_p50": percentile(running, 0.5),
        }


def percentile(values: list[float], q: float) -> float:
    """Interpolate linearly between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
