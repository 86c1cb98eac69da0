"""One export in a fresh process, so its peak RSS is its own: `python -m bench.child MODE RUN_ID OUT`.

MODE is
- `product`: the real task, `reporting.tasks.run_report(run_id)`, in-process;
- `baseline`: the same rows' raw columns, in the same order, straight from the
  driver: `COPY (SELECT ...) TO STDOUT CSV` through psycopg on PostgreSQL, an
  sqlite3 cursor into csv.writer on SQLite;
- `orm`: the naive way, `list(queryset)` and csv.writer.

The run row only supplies the parameters to `baseline` and `orm`; they write
to OUT. Prints one JSON line: rows, seconds, maxrss_kb (and the file size).
"""

from __future__ import annotations

import csv
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

# The columns the default itemized report reads, raw (no formatting).
RAW_FIELDS = (
    "stripe_id",
    "created",
    "available_on",
    "currency",
    "amount",
    "fee",
    "net",
    "reporting_category",
    "description",
)


def main(argv: list[str]) -> int:
    mode, run_id, out = argv[1], argv[2], Path(argv[3])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.db import connection

    from reporting.models import ReportRun

    run = ReportRun.objects.get(pk=run_id)
    connection.close()  # every mode opens its own connection inside the timed part
    result: dict[str, Any]
    if mode == "product":
        result = product(run_id)
    elif mode == "baseline":
        result = baseline(run, out)
    elif mode == "orm":
        result = orm(run, out)
    else:
        raise SystemExit(f"unknown mode {mode}")
    result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(result), flush=True)
    return 0


def product(run_id: str) -> dict[str, Any]:
    from reporting.models import ReportRun
    from reporting.tasks import run_report

    started = time.perf_counter()
    run_report(run_id)  # the Celery task's own code, called in-process
    seconds = time.perf_counter() - started
    run = ReportRun.objects.select_related("result").get(pk=run_id)
    if run.status != ReportRun.Status.SUCCEEDED or run.result is None:
        raise SystemExit(f"run {run_id} ended {run.status}: {run.error}")
    return {"rows": run.row_count, "seconds": seconds, "bytes": run.result.size}


def _queryset(run: Any) -> Any:
    from reporting.reports import get_report
    from reporting.services import params_for

    report: Any = get_report(run.report_type_id)
    return report.queryset(params_for(run)).order_by("effective_at", "pk")


def baseline(run: Any, out: Path) -> dict[str, Any]:
    from django.db import connection

    # Django only writes the SELECT (and adapts its parameters); the driver runs it.
    sql, params = _queryset(run).values_list(*RAW_FIELDS).query.get_compiler(using="default").as_sql()
    settings = connection.settings_dict
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        import psycopg

        with (
            psycopg.connect(
                dbname=settings["NAME"],
                user=settings["USER"] or None,
                password=settings["PASSWORD"] or None,
                host=settings["HOST"] or None,
                port=settings["PORT"] or None,
            ) as conn,
            conn.cursor() as cursor,
            out.open("wb") as f,
        ):
            with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
                for block in copy:
                    f.write(block)
            rows = cursor.rowcount
    else:
        import sqlite3

        db = sqlite3.connect(settings["NAME"])
        try:
            rows_in = db.execute(sql.replace("%s", "?"), params)
            with out.open("w", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(RAW_FIELDS)
                rows = 0
                while batch := rows_in.fetchmany(5000):
                    writer.writerows(batch)
                    rows += len(batch)
        finally:
            db.close()
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "bytes": out.stat().st_size}


def orm(run: Any, out: Path) -> dict[str, Any]:
    started = time.perf_counter()
    rows = list(_queryset(run))
    with out.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(RAW_FIELDS)
        for row in rows:
            writer.writerow([getattr(row, name) for name in RAW_FIELDS])
    seconds = time.perf_counter() - started
    return {"rows": len(rows), "seconds": seconds, "bytes": out.stat().st_size}


if __name__ == "__main__":
    sys.exit(main(sys.argv))
