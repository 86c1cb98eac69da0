"""The catalogue's activity chart: net activity per month and currency over the last 12 months, from the daily totals."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.factories import BalanceTransactionFactory

pytestmark = pytest.mark.django_db


def test_catalogue_charts_the_last_12_months_of_activity_per_currency(analyst_client, account):
    # The ledger fixture: one charge of 10.00 - 0.59 fee in Jan, Jun and Nov 2025 (test mode).
    for when, category, amount, currency in [
        (datetime(2025, 11, 20, tzinfo=UTC), "payout", -5_000, "usd"),  # payouts are not activity
        (datetime(2024, 11, 30, tzinfo=UTC), "charge", 7_000, "usd"),  # 13 months back: outside
        (datetime(2025, 6, 9, tzinfo=UTC), "charge", 1_234_500, "jpy"),
    ]:
        BalanceTransactionFactory(
            account=account, created=when, reporting_category=category, amount=amount, fee=0, currency=currency
        )

    body = analyst_client.get(reverse("reporting:report-types")).content.decode()

    section = body[body.index('<section class="card preview" id="activity"') :]
    assert "<title>Activity per month, USD, Dec 2024 to Nov 2025</title>" in section
    assert section.count('role="img"') == 2
    usd = section[section.index("<caption>Activity per month, USD</caption>") :]
    rows = re.findall(r"<tr>\s*<td>([^<]*)</td><td[^>]*>([^<]*)</td></tr>", usd[: usd.index("</table>")])
    assert len(rows) == 12
    assert rows[0] == ("Dec 2024", "0.00")
    assert dict(rows)["Jan 2025"] == "9.41"
    assert dict(rows)["Nov 2025"] == "9.41"
    assert '<td class="num nowrap">1,234,500</td>' in section  # yen: whole units, thousands separated
