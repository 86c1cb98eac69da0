"""Formula-like text is written spreadsheet-safe by default and Stripe-exact when the account says so.

On the database the suite runs on, through each route a report takes: the SQL
path (COPY on PostgreSQL, SQL lines on SQLite), the Python fallback forced on
every column, and local times (the Python fallback on SQLite, SQL on
PostgreSQL). Amounts stay numbers in both forms.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from reporting import services
from reporting.ledger_import import read_records
from reporting.models import CellFormat, Door
from reporting.reports import Params, get_report
from reporting.spreadsheet import protect
from tests.factories import BalanceTransactionFactory

from .fast_paths.routes import python_fallback, sql_path_only, sql_path_where_possible, write

pytestmark = pytest.mark.django_db

ITEMIZED = "balance_change_from_activity.itemized.3"
# The payloads, and the characters OWASP lists.
PAYLOADS = [
    '=HYPERLINK("http://evil.example/x","click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]
# Text that only looks like it: a value typed with a quote in front (gains one), and plain text.
OTHERS = ["'=typed with a quote", "'Tis", "Order 1"]
TEXT_COLUMNS = ["description", "customer_name", "payment_metadata[order_id]"]
COLUMNS = ["balance_transaction_id", "created_utc", "created", "gross", "fee", "net", *TEXT_COLUMNS]
# From the ledger's first day (data_available_start) to April.
MARCH = (datetime(2025, 3, 2, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC))


@pytest.fixture
def ledger(account):
    for i, value in enumerate([*PAYLOADS, *OTHERS]):
        BalanceTransactionFactory(
            account=account,
            stripe_id=f"txn_{i:02d}",
            created=datetime(2025, 3, 2 + i, 12, tzinfo=UTC),
            amount=-1234,
            fee=100,
            description=value,
            customer_name=value,
            payment_metadata={"order_id": value},
        )
    return account


def params(account, *, safe, zone="Etc/UTC", **kwargs):
    start, end = MARCH
    return Params(
        account_id=account.id,
        livemode=False,
        interval_start=start,
        interval_end=end,
        timezone=ZoneInfo(zone),
        columns=COLUMNS,
        spreadsheet_safe=safe,
        **kwargs,
    )


def rows(content: bytes) -> list[dict[str, str | None]]:
    records = [cells for _, cells in read_records(content.decode())]
    return [dict(zip(records[0], cells, strict=True)) for cells in records[1:]]


def check(content: bytes, *, safe: bool) -> None:
    written = rows(content)
    assert [r["balance_transaction_id"] for r in written] == [f"txn_{i:02d}" for i in range(len(PAYLOADS + OTHERS))]
    for row, value in zip(written, [*PAYLOADS, *OTHERS], strict=True):
        for column in TEXT_COLUMNS:
            assert row[column] == (protect(value) if safe else value)
        # Numbers are never touched: a negative amount stays a number a spreadsheet adds up.
        assert (row["gross"], row["fee"], row["net"]) == ("-12.34", "1.00", "-13.34")
    if safe:
        assert b'"\'=HYPERLINK(""http://evil.example/x"",""click"")"' in content
        assert b"\"''=typed with a quote\"" in content
        assert b'"\'Tis"' in content
    else:
        assert b'"=HYPERLINK(""http://evil.example/x"",""click"")"' in content
        assert b'"\'=typed with a quote"' in content


ROUTES = {
    # Every column in SQL on both databases.
    "sql": ("Etc/UTC", lambda report, p: sql_path_only()),
    # Every column formatted in Python, on both databases.
    "python": ("Etc/UTC", lambda report, p: python_fallback(report)),
    # Local times: SQLite has no time zone database and falls back to Python; PostgreSQL stays in SQL.
    "local times": ("Europe/Berlin", lambda report, p: sql_path_where_possible(ITEMIZED, p)),
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("safe", [True, False], ids=["spreadsheet-safe", "stripe-exact"])
def test_formula_like_text_cells_on_every_route(ledger, route, safe):
    zone, spy = ROUTES[route]
    run = params(ledger, safe=safe, zone=zone)

    with spy(get_report(ITEMIZED), run) as taken:
        content, count = write(ITEMIZED, run)

    python_on_sqlite = route == "local times" and connection.vendor == "sqlite"
    assert taken.call_count == (0 if python_on_sqlite else 1)  # the route spied on ran (else the fallback did)
    assert count == len(PAYLOADS) + len(OTHERS)
    check(content, safe=safe)


def test_summaries_are_numbers_and_the_same_in_both_forms(ledger):
    for report_type in ("balance.summary.1", "balance_change_from_activity.summary.1"):
        safe, _ = write(report_type, replace(params(ledger, safe=True), columns=()))
        exact, _ = write(report_type, replace(params(ledger, safe=False), columns=()))

        assert safe == exact
        assert b'"-' in safe  # negative amounts, written as they are


def test_params_default_to_spreadsheet_safe():
    assert Params(account_id="acct_1", livemode=False).spreadsheet_safe is True


# The account's setting, through the run --------------------------------------------------------


@pytest.fixture
def run_file(in_process_tasks, django_capture_on_commit_callbacks):
    """Request a run of the itemized type as the account's CLI would, run it; return the run and its file."""

    def run_file(account):
        start, end = MARCH
        parameters = {
            "interval_start": int(start.timestamp()),
            "interval_end": int(end.timestamp()),
            "timezone": "Europe/Berlin",
            "columns": COLUMNS,
        }
        caller = services.Caller(account, False, Door.CLI)
        with django_capture_on_commit_callbacks(execute=True):
            run = services.request_run(caller, report_type_id=ITEMIZED, parameters=parameters)
        return run, finish(in_process_tasks, run)

    return run_file


def finish(in_process_tasks, run):
    assert in_process_tasks.run_queued() == 1
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    with run.result.open() as f:
        return f.read()


def test_an_account_writes_spreadsheet_safe_by_default(ledger, run_file):
    run, content = run_file(ledger)

    assert ledger.cell_format == CellFormat.SPREADSHEET_SAFE
    assert run.cell_format == CellFormat.SPREADSHEET_SAFE
    check(content, safe=True)


def test_an_account_set_to_stripe_exact_writes_stripes_bytes(ledger, run_file):
    ledger.cell_format = CellFormat.STRIPE_EXACT
    ledger.save()

    run, content = run_file(ledger)

    assert run.cell_format == CellFormat.STRIPE_EXACT
    check(content, safe=False)


def test_a_run_keeps_the_form_it_was_requested_in(
    ledger, run_file, in_process_tasks, django_capture_on_commit_callbacks
):
    first, safe = run_file(ledger)
    # Changed between the request and (another attempt at) the file: the run's own form wins.
    ledger.cell_format = CellFormat.STRIPE_EXACT
    ledger.save()
    first.refresh_from_db()
    content = write_again(first)

    assert content == safe
    # A re-run is a new request: it takes the account's setting of now.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.request_run(
            services.Caller(ledger, False, Door.CLI),
            report_type_id=ITEMIZED,
            parameters=first.parameters,
            rerun_of=first,
        )
    assert again.cell_format == CellFormat.STRIPE_EXACT
    check(finish(in_process_tasks, again), safe=False)


def write_again(run) -> bytes:
    """Write the run's file again, as a retry of it would."""
    out = io.BytesIO()
    get_report(run.report_type_id).write(services.params_for(run), out)
    return out.getvalue()
