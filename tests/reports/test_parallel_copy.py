"""Large itemized reports on PostgreSQL are copied in two halves at once; the file must not change."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection

from reporting.reports import REPORT_TYPES, Params, engine
from tests.factories import AccountFactory, BalanceTransactionFactory

# The second connection sees only committed rows, as the worker's would.
pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2025, 3, 1, tzinfo=UTC)
END = datetime(2025, 4, 1, tzinfo=UTC)


@pytest.fixture
def ledger():
    account = AccountFactory()
    for i in range(60):
        BalanceTransactionFactory(
            account=account,
            created=START + timedelta(hours=11 * i, seconds=i),
            amount=(-1) ** i * (1000 + i),
            fee=30 + i,
            currency=("usd", "eur", "jpy")[i % 3],
            description=f'Order "{i}",\nline two' if i % 7 == 0 else None,
        )
    return account


def write(report_type: str, params: Params) -> bytes:
    out = io.BytesIO()
    rows = REPORT_TYPES[report_type].write(params, out)
    assert rows == 60  # the row count the run records
    return out.getvalue()


@pytest.mark.parametrize(
    ("report_type", "extra"),
    [
        ("balance_change_from_activity.itemized.1", {}),
        ("balance_change_from_activity.itemized.3", {"columns": ["created", "gross", "description"]}),
        ("balance_change_from_activity.itemized.2", {"columns": ["payment_metadata[order]", "net"]}),
    ],
)
def test_two_halves_write_the_bytes_of_one_pass(ledger, report_type, extra):
    params = Params(account_id=ledger.id, livemode=False, interval_start=START, interval_end=END, **extra)
    one_pass = write(report_type, params)

    with (
        mock.patch.object(engine, "PARALLEL_MIN_ROWS", 1),
        mock.patch.object(engine, "_parallel_copy", wraps=engine._parallel_copy) as parallel,
    ):
        halves = write(report_type, params)

    assert halves == one_pass
    assert one_pass.count(b"\n") > 60  # header, 60 rows, some with a line break inside
    # Only PostgreSQL formats by COPY; SQLite's line-building SELECT has no second connection.
    assert parallel.called == (connection.vendor == "postgresql")


def test_the_split_falls_on_the_midnight_that_halves_the_rows(ledger):
    params = Params(account_id=ledger.id, livemode=False, interval_start=START, interval_end=END)

    with mock.patch.object(engine, "PARALLEL_MIN_ROWS", 1):
        split = engine._split_point(connection, params)

    # 60 transactions 11 h apart from March 1st: the 30th is on March 14th, so the split is March 15th.
    assert split == datetime(2025, 3, 15, tzinfo=UTC)


def test_small_reports_are_copied_in_one_pass(ledger):
    params = Params(account_id=ledger.id, livemode=False, interval_start=START, interval_end=END)

    assert engine._split_point(connection, params) is None
