"""The main queries use the indexes the migrations create, once the planner has statistics."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from reporting.bulk import insert_rows
from reporting.models import Account, BalanceTransaction, DataWatermark, ReportRun
from reporting.reports import Params, get_report
from reporting.reports.totals import totals
from reporting.services.run_search import RunQuery, matching
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

START = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def big_ledger(django_db_setup, django_db_blocker):
    """Enough rows, over enough accounts, that a sequential scan is the worse plan (built once)."""
    with django_db_blocker.unblock():
        accounts = _build()
        yield accounts[3]
        BalanceTransaction.objects.filter(account__in=accounts).delete()
        ReportRun.objects.filter(account__in=accounts).delete()
        DataWatermark.objects.filter(account__in=accounts).delete()
        Account.objects.filter(pk__in=[a.pk for a in accounts]).delete()


def _build():
    accounts = [AccountFactory() for _ in range(20)]
    # The product's own fast insert: bulk_create spends seconds building 20,000 ledger instances.
    insert_rows(
        BalanceTransaction,
        [
            {
                "account_id": accounts[i % 20].pk,
                "livemode": bool(i % 2),
                "stripe_id": f"txn_{i}",
                "type": "charge",
                "reporting_category": "charge",
                "amount": 1000,
                "fee": 30,
                "net": 970,
                "currency": "usd",
                "created": START + timedelta(minutes=i),
                "available_on": START,
                "effective_at": START + timedelta(minutes=i),
            }
            for i in range(20_000)
        ],
    )
    ReportRun.objects.bulk_create(
        ReportRun(account=accounts[i % 20], report_type_id="balance.summary.1", created=START + timedelta(seconds=i))
        for i in range(10_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return accounts


def plan(queryset) -> str:
    return plan_sql(*queryset.query.sql_with_params())


def plan_sql(sql: str, params) -> str:
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def index_conditions(text: str) -> str:
    """The plan lines that say what an index lookup matches on (SQLite and PostgreSQL)."""
    return "\n".join(line for line in text.splitlines() if "USING INDEX" in line or "Index Cond" in line)


def one_day(account: Account) -> Params:
    return Params(
        account_id=account.id,
        livemode=False,
        interval_start=START + timedelta(days=3),
        interval_end=START + timedelta(days=4),
    )


def test_itemized_export_scans_the_interval_by_index(big_ledger):
    report = get_report("balance_change_from_activity.itemized.1")
    params = one_day(big_ledger)

    text = plan(report.queryset(params).order_by("effective_at", "id"))

    assert "txn_mode_effective" in text, text
    # The whole key: account, mode and the interval, not just the account.
    assert "livemode" in index_conditions(text), text
    assert "effective_at" in index_conditions(text), text


def test_summary_rollup_query_uses_its_key(big_ledger):
    from reporting.models import DailyTotal

    text = plan(
        DailyTotal.objects.filter(
            account=big_ledger, livemode=False, day__gte=START.date(), day__lt=(START + timedelta(days=20)).date()
        )
    )

    # Its unique key is the index (SQLite names the one it makes sqlite_autoindex_…).
    assert "dailytotal_unique_key" in text or "USING INDEX sqlite_autoindex_reporting_dailytotal" in text, text
    assert "Seq Scan" not in text, text


def test_run_list_reads_newest_first_by_index(big_ledger):
    text = plan(ReportRun.objects.for_mode(big_ledger, False).order_by("-created", "-id")[:21])

    assert "run_mode_created" in text, text
    assert "livemode" in index_conditions(text), text


@pytest.mark.parametrize(
    "query",
    [
        RunQuery(status="failed", report_type="balance.summary.1", door="api"),
        RunQuery(requester="pat", created_from=START, created_before=START + timedelta(days=1)),
    ],
    ids=["choices", "requester-and-days"],
)
def test_filtered_run_list_still_reads_the_accounts_runs_by_index(big_ledger, query):
    """The run list's filters read the runs by an index, never by scanning the table.

    Usually the account's newest-first walk (run_mode_created); PostgreSQL may rightly
    prefer run_status_started for a status its statistics call rare (here: no run failed).
    """
    text = plan(matching(ReportRun.objects.for_mode(big_ledger, False), query).order_by("-created", "-id")[:21])

    assert index_conditions(text), text
    assert "Seq Scan on reporting_reportrun" not in text, text  # (the tiny user and key tables may be)
    assert not re.search(r"SCAN reporting_reportrun(?! USING)", text), text  # SQLite's full scan


def test_summary_over_a_year_touches_no_ledger_rows_for_whole_days(big_ledger, django_assert_max_num_queries):
    params = Params(account_id=big_ledger.id, livemode=False)

    with django_assert_max_num_queries(2) as queries:
        totals(params, START, START + timedelta(days=365))

    assert all("reporting_balancetransaction" not in q["sql"] for q in queries.captured_queries)


def test_engine_statement_scans_the_interval_by_index(big_ledger, monkeypatch):
    """The statement the engine really runs (formatting, a fenced subquery on PostgreSQL) uses the index."""
    from django.test.utils import CaptureQueriesContext

    from reporting.reports import engine

    report = get_report("balance_change_from_activity.itemized.1")
    params = one_day(big_ledger)
    seen: list[tuple[str, list]] = []

    def record(cursor, statement, args, out, watcher):
        seen.append((statement.removeprefix("COPY (").split(") TO STDOUT")[0], args))
        return 0

    monkeypatch.setattr(engine, "_copy_rows", record)
    with CaptureQueriesContext(connection) as queries:
        report.write(params, io.BytesIO())
    if connection.vendor == "sqlite":
        seen = [(q["sql"], []) for q in queries.captured_queries if "reporting_balancetransaction" in q["sql"]]
        statement = seen[-1][0]  # the SQLite cursor records it with its parameters inlined
        text = plan_sql(statement, [])
    else:
        statement, args = seen[-1]
        text = plan_sql(statement, args)

    assert "txn_mode_effective" in text, text
    assert "livemode" in index_conditions(text), text
    assert "effective_at" in index_conditions(text), text
