"""The results table's rows, one group per step, and the notes on how each step measures."""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING

from bench.config import STEPS, label
from bench.report import Row, count, mb, ms, rate, status

if TYPE_CHECKING:
    from bench.harness import Bench


def rows(bench: Bench) -> list[Row]:
    """Return the table's rows for the steps that were selected, with an error row for each step that failed."""
    target = label(bench.config.target_size)
    found: list[Row] = []
    if bench.ledgers:
        build = Row("·", "ledger: balance transactions (how built, rows/s)")
        for size, built in bench.ledgers.items():
            build.values[label(size)] = f"{count(built.rows)} ({built.method}, {rate(built.rate)})"
        found.append(build)
    for step, group in (
        ("ledgers", None),
        ("a", _exports),
        ("c", _summaries),
        ("services", None),
        ("d", _latency),
        ("e", _endpoints),
        ("f", _throughput),
        ("g", _queues),
        ("h", _api_exports),
    ):
        if step in bench.errors:
            found.append(Row(step, f"error: {bench.errors[step]}", status="error"))
        if group is not None:
            found += group(bench, target)
    return [row for row in found if row.step not in STEPS or row.step in bench.config.steps]


def _exports(bench: Bench, target: str) -> list[Row]:
    """Rows a and b."""
    first = bench.labels()[0]
    ex = bench.m.exports
    best = {
        lab: {mode: max((r["rows"] / r["seconds"] for r in results), default=0.0) for mode, results in found.items()}
        for lab, found in ex.items()
    }
    product = Row("a", "itemized export, whole interval, via run_report (best rows/s)")
    driver = (
        "`COPY (SELECT …) TO STDOUT CSV` (psycopg)" if bench.vendor == "postgresql" else "sqlite3 cursor + csv.writer"
    )
    base = Row("a", "baseline: raw " + driver)
    ratio = Row("a", "product ÷ baseline", target="≥ 0.7×")
    orm = Row("a", "naive ORM: list(queryset) + csv.writer")
    for lab, b in best.items():
        product.values[lab] = rate(b["product"])
        base.values[lab] = rate(b["baseline"])
        if b["baseline"]:
            ratio.values[lab] = f"{b['product'] / b['baseline']:.2f}×"
        orm.values[lab] = rate(b["orm"]) if b["orm"] else "skipped (memory)"
    if target in best and best[target]["baseline"]:
        ratio.status = status(best[target]["product"] / best[target]["baseline"] >= 0.7)
    rss = {lab: max(r["maxrss_kb"] for r in found["product"]) for lab, found in ex.items() if found["product"]}
    peak = Row("b", "peak RSS of the process that wrote the file (run_report)")
    growth = Row("b", f"RSS growth from the {first} ledger", target="< 50 MB")
    orm_rss = Row("b", "for contrast: peak RSS of the naive ORM loop")
    for lab, kb in rss.items():
        peak.values[lab] = mb(kb)
        if lab != first and first in rss:
            growth.values[lab] = f"{(kb - rss[first]) / 1024:+.1f} MB"
    for lab, found in ex.items():
        if found["orm"]:
            orm_rss.values[lab] = mb(found["orm"][0]["maxrss_kb"])
    if target != first and target in rss and first in rss:
        growth.status = status((rss[target] - rss[first]) / 1024 < 50)
    elif target == first:
        growth.values[first] = "one size only"
    return [product, base, ratio, orm, peak, growth, orm_rss]


def _summaries(bench: Bench, target: str) -> list[Row]:
    month = Row("c", "balance.summary.1, one month (median of 5; first call)")
    year = Row("c", "balance.summary.1, one year (median of 5; first call)", target="< 100 ms")
    for lab, timed in bench.m.summaries.items():
        month.values[lab] = f"{ms(timed['month'][1])} ({ms(timed['month'][0])})"
        year.values[lab] = f"{ms(timed['year'][1])} ({ms(timed['year'][0])})"
    if target in bench.m.summaries:
        year.status = status(bench.m.summaries[target]["year"][1] < 0.1)
    return [month, year]


def _latency(bench: Bench, target: str) -> list[Row]:
    lat = Row(
        "d",
        f"submit → succeeded over HTTP, {bench.config.d_runs} one-month summaries in a row: p50 / p95 "
        "[p50 of the POST alone; server side p50: queued, running]",
        target="p50 < 300 ms",
    )
    for lab, q in bench.m.latency.items():
        lat.values[lab] = (
            f"{ms(q['p50'])} / {ms(q['p95'])} [{ms(q['post_p50'])}; {ms(q['queue_p50'])}, {ms(q['run_p50'])}]"
        )
    if target in bench.m.latency:
        lat.status = status(bench.m.latency[target]["p50"] < 0.3)
    return [lat]


def _endpoints(bench: Bench, target: str) -> list[Row]:
    found: list[Row] = []
    load, big, small = bench.m.load, bench.m.queries.get("big", {}), bench.m.queries.get("small", {})
    bare_runs = [load[n].rps for n in ("bare", "bare_after") if n in load]
    bare_rps = statistics.mean(bare_runs) if bare_runs else 0.0
    names = {
        "bare": "bare Django view, one row by pk as JSON (baseline; req/s: mean of a run before and after)",
        "by_id": "`GET /v1/reporting/report_runs/{id}`",
        "list": "`GET /v1/reporting/report_runs` (10 per page)",
        "dashboard": "dashboard run list `/` (session cookie, 20 per page)",
    }
    for name, title in names.items():
        if name not in load:
            continue
        result = load[name]
        cell = f"{result.rps:.0f} req/s · p50 {result.p50_ms:.1f} ms · p99 {result.p99_ms:.1f} ms · queries: {big.get(name, '?')}"
        if name == "bare":
            runs = " and ".join(f"{r:.0f}" for r in bare_runs)
            cell = cell.replace(f"{result.rps:.0f} req/s", f"{bare_rps:.0f} req/s [{runs}]", 1)
        row = Row("e", title, {target: cell})
        if name == "by_id" and bare_rps:
            share = result.rps / bare_rps
            row.values[target] = cell.replace(" req/s", f" req/s ({share:.2f}× bare)", 1)
            row.target = "≥ 0.4× bare req/s; p99 < 50 ms"
            ok_rps, ok_p99 = share >= 0.4, result.p99_ms < 50
            row.status = status(ok_rps and ok_p99) + (
                "" if ok_rps == ok_p99 else f" ({'p99' if ok_rps else 'req/s'} missed)"
            )
        elif name != "bare":
            row.target = "p99 < 50 ms"
            row.status = status(result.p99_ms < 50)
        found.append(row)
    if len(bench.m.serving) == 2:
        sync, gevent = bench.m.serving["sync"], bench.m.serving["gevent"]
        cells = [
            f"{name}: {r.rps:.0f} req/s · p50 {r.p50_ms:.1f} ms · p99 {r.p99_ms:.1f} ms"
            for name, r in (("sync workers, persistent connections", sync), ("gevent workers (shipped)", gevent))
        ]
        found.append(
            Row(
                "e",
                "serving the dashboard `/`: what gevent workers (slow clients cannot hold a worker) cost against "
                "sync workers, best p99 of two each",
                {target: " vs ".join(cells) + f" (p99 gevent ÷ sync: {gevent.p99_ms / sync.p99_ms:.2f}×)"},
            )
        )
    if big and small:
        keys = ("by_id", "list", "dashboard")
        constant = all(big[k] == small[k] for k in keys) and big["list"] == big["list100"]
        cell = (
            f"{big['by_id']} / {big['list']} / {big['dashboard']} with {bench.config.e_runs:,} runs; "
            f"{small['by_id']} / {small['list']} / {small['dashboard']} with 15 runs; list at limit=100: {big['list100']}"
        )
        found.append(
            Row(
                "e",
                "SQL queries per request: by-id / list / dashboard (in-process, CaptureQueriesContext)",
                {target: cell},
                "constant",
                status(constant),
            )
        )
    return found


def _throughput(bench: Bench, target: str) -> list[Row]:
    tp, par = bench.m.throughput, bench.m.parallelism
    if 1 not in tp or 2 not in tp:
        return []
    cell = (
        f"{tp[1]:.1f} → {tp[2]:.1f} reports/s: {tp[2] / tp[1]:.2f}× "
        f"[runs in progress on average: {par[1]:.2f} → {par[2]:.2f}]"
    )
    return [
        Row(
            "f",
            f"{bench.config.f_reports} small reports (one-day itemized), 1 → 2 worker processes",
            {target: cell},
            "≥ 1.4×",
            status(tp[2] / tp[1] >= 1.4),
        )
    ]


def _queues(bench: Bench, target: str) -> list[Row]:
    q = bench.m.queues
    if not q:
        return []
    biggest = label(bench.config.sizes[-1])
    cell = (
        f"{q['busy_p50'] / q['idle_p50']:.2f}× [p50 / p95: {ms(q['busy_p50'])} / {ms(q['busy_p95'])} beside the "
        f"export, {ms(q['idle_p50'])} / {ms(q['idle_p95'])} idle; {q['busy_n']:.0f} of {q['tries']:.0f} "
        f"beside it, {q['exports']:.0f} exports done]"
    )
    return [
        Row(
            "g",
            f"one-month summary submit → succeeded over HTTP while a worker exports the whole {biggest} ledger "
            "(workers of `make run`: `-Q short`, `-Q long,short`): p50 ÷ p50 with idle workers",
            {target: cell},
        )
    ]


def _api_exports(bench: Bench, target: str) -> list[Row]:
    """Row h: each storage's POST → succeeded speed as a share of step a's raw baseline."""
    found = []
    names = {"local": "local disk (`REPORT_FILES_ROOT`)", "s3": "S3: SeaweedFS on this machine"}
    for storage, name in names.items():
        row = Row("h", f"itemized export through the API, POST → succeeded, file on {name}: rows/s (÷ baseline a)")
        ratios = {}
        for lab, timed in bench.m.api_exports.items():
            if storage not in timed or lab not in bench.m.exports:
                continue
            results = bench.m.exports[lab]
            rows = results["baseline"][0]["rows"]
            baseline = max(r["rows"] / r["seconds"] for r in results["baseline"])
            ratios[lab] = rows / timed[storage] / baseline
            row.values[lab] = f"{rate(rows / timed[storage])} ({ratios[lab]:.2f}×)"
        if target in ratios:
            row.target, row.status = "≥ 0.8×", status(ratios[target] >= 0.8)
        found.append(row)
    return found


def methods(bench: Bench) -> list[str]:
    """Return the notes on how the selected steps measure."""
    c = bench.config
    notes = {
        "·": "Ledgers: the smallest is written by `reporting.demo.generate_ledger` (timed: the generator's own speed); "
        "larger ones are SQL copies of it into their own account (INSERT … SELECT, Stripe ids suffixed), "
        "the same rows k times as dense.",
        "a": f"a, b: each export runs in a fresh process (`python -m bench.child`), after one untimed baseline read; "
        f"best of {c.export_repeats} (2 above 1M rows) for the product and the baseline, run alternately; "
        "the time excludes interpreter and Django start-up. "
        "The baseline reads the same rows (same WHERE and ORDER BY) but only the raw columns, unformatted. "
        "Peak RSS is that process's `ru_maxrss`.",
        "c": "c: `get_report('balance.summary.1').write(params_for(run), sink)` in-process, intervals ending at "
        "data_available_end (30 and 365 days).",
        "d": f"d: POST /v1/reporting/report_runs then GET …/{{id}} every 10 ms until succeeded, {c.d_runs} in a row, "
        "one worker with --concurrency 2; server side = started_at − created (queued) and finished_at − started_at.",
        "e": f"e: {c.e_seconds} s of closed-loop load per endpoint after a 2 s warm-up, {c.e_connections} connections, "
        "load generator, gunicorn, database and Redis all on the same 2 cores. Queries are counted in-process "
        "on a second request (the first records the key's last_used_at).",
        "f": f"f: {c.f_reports} one-day itemized reports on the {label(c.target_size)} ledger, queued in one "
        "transaction; time from COMMIT to the last run done; one `celery worker --concurrency 1`, then 2"
        + ("." if c.smoke else ", then 1 and 2 again: best of two for each."),
        "h": "h: step a's export (whole ledger) POSTed to /v1/reporting/report_runs through gunicorn, then GET every "
        "20 ms to 250 ms (1% of the time so far) until succeeded; one `celery worker --concurrency 1` with local storage, then one with the bucket in "
        "SeaweedFS (`weed server -s3`, same machine); "
        + ("one run each." if c.smoke else "best of two each.")
        + " The time includes queueing, the worker's claim, the file into storage and the run row's updates.",
    }
    notes["g"] = (
        f"g: {c.g_runs} summaries as in d with the two workers idle, then {c.g_runs} while the `long,short` worker "
        f"exports the whole {label(c.sizes[-1])} ledger (itemized, the long queue) with a second export always "
        "waiting: a worker without queues would take that one next. Only summaries that ran from start to end "
        "beside a running export count; each worker has one process (config/run_local.WORKERS)."
    )
    return [text for step, text in notes.items() if (step == "·" and bench.ledgers) or step in c.steps]
