"""A succeeded run's page shows its file: tables read from the stored CSV, charts as SVG, nothing for other runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from reporting import tasks
from tests.factories import AccountFactory, BalanceTransactionFactory, ReportRunFactory
from tests.views.conftest import HX

pytestmark = pytest.mark.django_db

SEPTEMBER = {
    "interval_start": int(datetime(2025, 9, 1, tzinfo=UTC).timestamp()),
    "interval_end": int(datetime(2025, 10, 1, tzinfo=UTC).timestamp()),
}


def txn(account, day, category="charge", amount=1000, fee=59, currency="usd", **kwargs):
    return BalanceTransactionFactory(
        account=account,
        created=datetime(2025, 9, day, 12, tzinfo=UTC),
        reporting_category=category,
        type=category,
        amount=amount,
        fee=fee,
        currency=currency,
        **kwargs,
    )


def succeeded(account, report_type, **parameters):
    run = ReportRunFactory(account=account, report_type_id=report_type, parameters={**SEPTEMBER, **parameters})
    tasks.run_report(run.pk)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    return run


def preview_of(client, run):
    body = client.get(run.get_absolute_url()).content.decode()
    return body[body.index('<section id="run-preview"') :]


def test_balance_summary_shows_its_lines_and_a_waterfall_per_currency(analyst_client, account):
    txn(account, 2, amount=123_456_789, fee=0)  # activity 1,234,567.89
    txn(account, 3, amount=500_000, fee=0, currency="jpy")
    txn(account, 20, category="payout", amount=-20_000_000, fee=0)  # payouts -200,000.00
    run = succeeded(account, "balance.summary.1")

    body = preview_of(analyst_client, run)

    assert "<caption>Balance summary, USD</caption>" in body
    assert '<td class="num nowrap">1,234,567.89</td>' in body
    assert '<td class="num nowrap">-200,000.00</td>' in body
    assert '<td class="num nowrap">18.82</td>' in body  # the starting balance: the ledger fixture's earlier months
    assert '<td class="num nowrap">1,034,586.71</td>' in body  # the ending balance, from the file
    assert '<td class="num nowrap">500,000</td>' in body  # yen have no decimals
    assert body.count('role="img"') == 2
    assert "<title>Balance, USD: start, activity, payouts, end</title>" in body
    assert "End 1,034,586.71" in body  # the chart's description


def test_category_summary_shows_bars_and_totals(analyst_client, account):
    txn(account, 2, amount=10_000, fee=300)
    txn(account, 3, category="refund", amount=-2_500, fee=0)
    run = succeeded(account, "balance_change_from_activity.summary.1")

    body = preview_of(analyst_client, run)

    assert "<title>Net by reporting category, USD</title>" in body
    assert body.count("<rect") == 2  # charge and refund; the total is in the table only
    total = re.search(r'<tr class="total">(.*?)</tr>', body, re.S)
    assert total is not None
    assert re.findall(r"<td[^>]*>([^<]*)</td>", total[1]) == ["total", "usd", "2", "75.00", "-3.00", "72.00"]


def test_itemized_shows_first_50_rows_of_n_and_totals_from_the_whole_file(analyst_client, account):
    for i in range(55):
        txn(account, 1 + i % 28, amount=100_000 + i)
    txn(account, 5, category="refund", amount=-4_000, fee=0)
    run = succeeded(account, "balance_change_from_activity.itemized.1")

    body = preview_of(analyst_client, run)

    assert run.row_count == 56
    assert "Showing 50 of 56 rows" in body
    first = body[body.index("<caption>First 50 rows</caption>") : body.index("</table>")]
    assert first.count("<tr>") == 51  # the header and 50 lines
    totals = body[body.index("<caption>Totals per reporting category and currency</caption>") :]
    rows = re.findall(r"<tr>(.*?)</tr>", totals[: totals.index("</table>")], re.S)
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in rows[1:]]
    # count, gross, fee, net: 55 charges of 1,000.00 + i cents, and the refund.
    assert cells == [
        ["USD", "charge", "55", "55,014.85", "32.45", "54,982.40"],
        ["USD", "refund", "1", "-40.00", "0.00", "-40.00"],
    ]


@pytest.mark.parametrize("outcome", ["pending", "failed"])
def test_a_run_without_a_result_shows_no_preview(analyst_client, account, outcome):
    run = ReportRunFactory(account=account)
    if outcome == "failed":
        run.mark_failed("Broken ledger")

    body = preview_of(analyst_client, run)

    assert body.startswith('<section id="run-preview" class="preview" hidden>')
    assert "<table" not in body
    assert "<svg" not in body


def test_the_poll_that_sees_success_brings_the_preview_out_of_band(analyst_client, account):
    txn(account, 2)
    run = succeeded(account, "balance.summary.1")

    body = analyst_client.get(run.get_absolute_url(), headers=HX).content.decode()

    assert body.lstrip().startswith('<section id="run-status"')
    assert '<section id="run-preview" class="preview" hx-swap-oob="true">' in body
    assert "<title>Balance, USD: start, activity, payouts, end</title>" in body


def test_another_accounts_run_is_404(analyst_client):
    other = AccountFactory()
    txn(other, 2)
    run = succeeded(other, "balance.summary.1")

    assert analyst_client.get(reverse("reporting:run-detail", args=[run.id])).status_code == 404
