"""The dashboard's run list: keyset pages (no COUNT), the same queries whatever the number of runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting.models import Membership
from tests.factories import BalanceTransactionFactory, FileFactory, MembershipFactory, ReportRunFactory, UserFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
LIST = "/"
BASE = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def member(client, account):
    user = UserFactory(username="pat", timezone="Europe/Berlin")
    MembershipFactory(account=account, user=user, role=Membership.Role.ANALYST)
    client.force_login(user)
    return client


def shown(body):
    return re.findall(r'<tr id="run-([^"]+)"', body)


def link(body, label):
    found = re.search(r'<a href="(\?[^"]+)"[^>]*>' + re.escape(label), body)
    return found.group(1).replace("&amp;", "&") if found else None


def make_runs(account, n):
    # Pairs share a timestamp: ties are broken by id, as in the API.
    runs = [ReportRunFactory(account=account, created=BASE + timedelta(seconds=i // 2)) for i in range(n)]
    for run in runs:
        run.mark_failed("x")
    return sorted(runs, key=lambda r: (r.created, r.id), reverse=True)


def test_pages_walk_older_and_back_newer_without_gaps(member, account):
    runs = make_runs(account, 45)
    ids = [r.id for r in runs]

    first = member.get(LIST).content.decode()
    assert shown(first) == ids[:20]
    assert link(first, "← Newer") is None
    second = member.get(LIST + link(first, "Older →")).content.decode()
    assert shown(second) == ids[20:40]
    third = member.get(LIST + link(second, "Older →")).content.decode()
    assert shown(third) == ids[40:]
    assert link(third, "Older →") is None
    back = member.get(LIST + link(third, "← Newer")).content.decode()
    assert shown(back) == ids[20:40]
    top = member.get(LIST + link(back, "← Newer")).content.decode()
    assert shown(top) == ids[:20]
    assert link(top, "← Newer") is None
    assert link(top, "Older →") is not None


def test_no_count_and_constant_queries(member, account, django_assert_num_queries):
    make_runs(account, 3)
    member.get(LIST)
    with django_assert_num_queries(4) as few:
        member.get(LIST)
    make_runs(account, 60)
    first = member.get(LIST).content.decode()
    with django_assert_num_queries(4) as many:
        member.get(LIST + link(first, "Older →"))

    for captured in (few, many):
        assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


def test_unknown_or_foreign_cursor_goes_back_to_the_newest_runs(member, account):
    other = ReportRunFactory()  # another account's run
    make_runs(account, 3)

    for cursor in ("frr_missing", other.id):
        response = member.get(LIST, {"starting_after": cursor})
        assert response.status_code == 302
        assert response["Location"] == reverse("reporting:run-list")
    response = member.get(LIST, {"ending_before": "frr_missing"}, headers=HX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("reporting:run-list")


def test_polling_keeps_the_page_and_stops_when_nothing_is_pending(member, account):
    runs = make_runs(account, 25)
    pending = ReportRunFactory(account=account, created=BASE - timedelta(days=1))  # the oldest, on page 2
    cursor = runs[19].id

    page2 = member.get(LIST, {"starting_after": cursor}, headers=HX).content.decode()
    page1 = member.get(LIST, headers=HX).content.decode()

    assert pending.id in shown(page2)
    assert f'hx-get="/?starting_after={cursor}"' in page2
    assert 'hx-trigger="every 2s"' in page2
    assert "hx-trigger" not in page1


def test_rows_show_what_the_template_did(member, account):
    run = ReportRunFactory(
        account=account,
        created=datetime(2025, 7, 1, 10, 30, tzinfo=UTC),
        parameters={"interval_start": 1748728800, "interval_end": 1751320800},  # June in Berlin
    )
    run.mark_succeeded(result=FileFactory(account=account, size=2048), row_count=1)
    running = ReportRunFactory(account=account, created=datetime(2025, 7, 2, tzinfo=UTC))
    running.claim()

    body = member.get(LIST).content.decode()

    row = body[body.index(f'<tr id="run-{run.id}"') :]
    row = row[: row.index("</tr>")]
    assert f'href="{run.get_absolute_url()}"' in row
    assert "06/01/2025 – 06/30/2025" in row
    assert "07/01/2025 12:30 p.m. CEST" in row  # in the user's zone
    assert "CEST" in row
    assert f'href="{reverse("reporting:run-download", args=[run.id])}"' in row
    assert "2.0\xa0KB" in row
    assert "Succeeded" in row
    assert "Running…" in body


def test_new_run_form_reads_currencies_from_the_daily_totals_not_the_ledger(member, account):
    for currency in ("usd", "jpy", "eur"):
        BalanceTransactionFactory(account=account, currency=currency, created=datetime(2025, 3, 1, tzinfo=UTC))

    with CaptureQueriesContext(connection) as captured:
        body = member.get(reverse("reporting:run-create"), {"report_type": "balance.summary.1"}).content.decode()

    assert re.findall(r'<option value="(eur|jpy|usd)"', body) == ["eur", "jpy", "usd"]
    ledger_scans = [q["sql"] for q in captured.captured_queries if "DISTINCT" in q["sql"].upper()]
    assert ledger_scans
    assert not any('"reporting_balancetransaction"' in sql for sql in ledger_scans)
