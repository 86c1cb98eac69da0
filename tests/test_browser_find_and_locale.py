"""Finding a run (issue 17, point 2) and numbers and dates the user's way (point 7), in the browser.

The run list's filters survive the keyset pager and the 2 s poll, and "Run again"
prefills the form; a German browser reads German dates and separators with its
zone named, the form's date inputs still speak ISO, and the user's own language
setting wins over the browser's.
"""

from __future__ import annotations

import importlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from reporting import tasks
from reporting.models import ApiKey, Door, Membership, ReportRun
from tests.browser_fixtures import BROWSER, PASSWORD, REPORT_CSP_VIOLATIONS, assert_accessible, log_in
from tests.factories import BalanceTransactionFactory, MembershipFactory, ReportRunFactory, UserFactory

pytestmark = BROWSER

SEPTEMBER = {
    "interval_start": int(datetime(2025, 9, 1, tzinfo=UTC).timestamp()),
    "interval_end": int(datetime(2025, 10, 1, tzinfo=UTC).timestamp()),
}
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def expect_rows(page: Page, runs: list[ReportRun]) -> None:
    """The run table shows exactly these runs, in this order (each check waits for the swap)."""
    rows = page.locator("#run-table tbody tr")
    expect(rows).to_have_count(len(runs))
    for index, run in enumerate(runs):
        expect(rows.nth(index)).to_have_id(f"run-{run.id}")


def test_find_runs_by_filters_and_id_across_pages_and_polls_then_run_again(
    live_server, account, page, console_errors, monkeypatch
):
    # Three runs a page: two pages from a handful of runs.
    # (The module, not the view function of the same name that reporting.views exports.)
    monkeypatch.setattr(importlib.import_module("reporting.views.run_list"), "RUNS_PER_PAGE", 3)
    BalanceTransactionFactory(account=account, created=datetime(2025, 9, 10, 8, tzinfo=UTC), amount=5000, fee=59)
    user = UserFactory.create(username="finder", password=PASSWORD)
    MembershipFactory(account=account, user=user, role=Membership.Role.ANALYST)
    key, _ = ApiKey.issue(account=account, livemode=False, name="Nightly export", created_by=user)

    def make(minutes_ago: int, *, by_key: bool = True, report_type: str = "balance.summary.1", **parameters):
        who = {"requested_by_key": key, "requested_via": Door.API} if by_key else {"requested_by": user}
        run = ReportRunFactory(
            account=account, report_type_id=report_type, parameters={**SEPTEMBER, **parameters}, **who
        )
        ReportRun.objects.filter(pk=run.pk).update(created=datetime.now(UTC) - timedelta(minutes=minutes_ago))
        return run

    def succeed(run: ReportRun) -> ReportRun:
        tasks.run_report(run.pk)
        run.refresh_from_db()
        assert run.status == ReportRun.Status.SUCCEEDED, run.error
        return run

    # The key's balance summaries, oldest first; then runs that one filter each leaves out, newest of all.
    k1, k2, k3 = (succeed(make(minutes)) for minutes in (60, 50, 40))
    k4 = succeed(make(30, currency="usd"))
    failed = make(25)
    failed.mark_failed("The report took longer than 10 minutes and was stopped. Try a shorter interval.")
    pending = make(20)
    by_user = succeed(make(10, by_key=False))  # another requester
    other_type = succeed(make(5, report_type="payouts.summary.1"))  # another type

    log_in(page, live_server, "finder")
    expect_rows(page, [other_type, by_user, pending])  # page 1 of everything

    # Type + status + requester (an API key by its name): only the key's succeeded summaries, three a page.
    search = page.get_by_role("search", name="Find runs")
    search.get_by_label("Requested by").fill("Nightly export")
    search.get_by_label("Report type").select_option("balance.summary.1")
    search.get_by_label("Status").select_option("succeeded")
    search.get_by_role("button", name="Find").click()
    expect_rows(page, [k4, k3, k2])
    expect(page).to_have_url(
        re.compile(r"report_type=balance.summary.1.*status=succeeded.*requester=Nightly(\+|%20)export")
    )
    expect(page.locator(f"#run-{k4.id} .requester")).to_have_text(re.compile(r"Nightly export\s*via API"))
    assert_accessible(page)

    # The next keyset page keeps the filters, in the address and in the form.
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Older →").click()
    expect_rows(page, [k1])
    expect(page).to_have_url(re.compile(rf"status=succeeded.*requester=Nightly(\+|%20)export.*starting_after={k2.id}"))
    expect(search.get_by_label("Report type")).to_have_value("balance.summary.1")
    expect(search.get_by_label("Status")).to_have_value("succeeded")
    expect(search.get_by_label("Requested by")).to_have_value("Nightly export")

    # Any status: the pending run is on the page, which polls; it succeeds and the poll keeps the filters.
    search.get_by_label("Status").select_option("")
    expect_rows(page, [pending, failed, k4])
    pending_status = page.locator(f"#run-{pending.id} .status")
    expect(pending_status).to_have_text("Pending")
    succeed(pending)
    expect(pending_status).to_have_text("Succeeded", timeout=10_000)
    expect_rows(page, [pending, failed, k4])  # not the newer runs of the other requester and type
    expect(page.locator("#run-table")).not_to_have_attribute("hx-trigger", "every 2s")  # nothing pending: it stopped

    # An exact id: a run's, then a file's.
    page.get_by_role("link", name="Clear filters").first.click()
    expect_rows(page, [other_type, by_user, pending])
    search.get_by_label("Run or file id").fill(by_user.id)
    search.get_by_role("button", name="Find").click()
    expect_rows(page, [by_user])
    search.get_by_label("Run or file id").fill(k1.result_id)
    search.get_by_role("button", name="Find").click()
    expect_rows(page, [k1])

    # Run again, as it was and for the next month (the data reaches the end of November).
    page.goto(f"{live_server.url}{k4.get_absolute_url()}")
    page.get_by_role("link", name="Run again", exact=True).click()
    expect(page.get_by_role("heading", name="New report")).to_be_visible()
    expect(page.get_by_label("Report type")).to_have_value("balance.summary.1")
    expect(page.get_by_label("Start date")).to_have_value("2025-09-01")
    expect(page.get_by_label("End date")).to_have_value("2025-09-30")
    expect(page.get_by_role("combobox", name="Currency")).to_have_value("usd")
    page.go_back()
    page.get_by_role("link", name="Run again for 10/01/2025 – 10/31/2025").click()
    expect(page.get_by_label("Start date")).to_have_value("2025-10-01")
    expect(page.get_by_label("End date")).to_have_value("2025-10-31")
    expect(page.get_by_role("combobox", name="Currency")).to_have_value("usd")

    assert console_errors == []


@pytest.fixture
def german_page(browser: Browser):
    """A browser that asks for German (Accept-Language: de-DE), unlike the shared fixture's en-US."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="de-DE")
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    yield context.new_page()
    context.close()


def test_a_german_browser_reads_german_dates_and_numbers_until_the_user_chooses_english(
    live_server, in_process_tasks, account, german_page
):
    page = german_page
    BalanceTransactionFactory(account=account, created=datetime(2025, 8, 20, 8, tzinfo=UTC), amount=1000, fee=0)
    BalanceTransactionFactory(account=account, created=datetime(2025, 9, 2, 12, tzinfo=UTC), amount=123_456_789, fee=0)
    user = UserFactory.create(username="berlin", password=PASSWORD, timezone="Europe/Berlin")
    MembershipFactory(account=account, user=user, role=Membership.Role.ANALYST)
    run = ReportRunFactory(account=account, requested_by=user, parameters=SEPTEMBER)
    tasks.run_report(run.pk)
    ReportRun.objects.filter(pk=run.pk).update(created=datetime(2025, 12, 6, 14, 20, tzinfo=UTC))
    row = page.locator(f"#run-{run.id}")

    log_in(page, live_server, "berlin")
    expect(row.get_by_role("time")).to_have_text("06.12.2025 15:20 CET")
    # September in UTC is not whole days in Berlin: the times show, each zone named.
    expect(row).to_contain_text("01.09.2025 02:00 CEST – 01.10.2025 02:00 CEST (end excluded)")

    page.goto(f"{live_server.url}{run.get_absolute_url()}")
    expect(page.locator("#run-status")).to_contain_text("06.12.2025 15:20 CET by berlin")
    expect(page.locator("#run-preview").get_by_role("table").first).to_contain_text("1.234.567,89")

    # The form's date inputs hold ISO days whatever the language; the days are Berlin's.
    page.goto(f"{live_server.url}/runs/new?report_type=balance.summary.1")
    expect(page.get_by_text("Days with data: 20.08.2025 to 30.11.2025.")).to_be_visible()
    expect(page.get_by_label("Start date")).to_have_value(ISO_DAY)
    page.get_by_label("Period", exact=True).select_option("custom")
    page.get_by_label("Start date").fill("2025-09-01")
    page.get_by_label("End date").fill("2025-09-30")
    page.get_by_role("button", name="Run report").click()
    page.wait_for_url(f"{live_server.url}/")
    asked = ReportRun.objects.exclude(pk=run.pk).get(requested_by=user)
    assert asked.parameters == {
        "interval_start": int(datetime(2025, 8, 31, 22, tzinfo=UTC).timestamp()),  # midnight in Berlin (CEST)
        "interval_end": int(datetime(2025, 9, 30, 22, tzinfo=UTC).timestamp()),
        "timezone": "Europe/Berlin",  # the type's option, at the user's zone
    }
    expect(page.locator(f"#run-{asked.id}")).to_contain_text("01.09.2025 – 30.09.2025")

    # The user's own setting beats the browser's language.
    page.get_by_role("link", name="Settings").click()
    preferences = page.get_by_role("region", name="Your time zone and formats")
    preferences.get_by_label("Numbers and dates").select_option("en-gb")
    preferences.get_by_role("button", name="Save").click()
    expect(preferences.get_by_label("Numbers and dates")).to_have_value("en-gb")
    page.goto(live_server.url)
    expect(row.get_by_role("time")).to_have_text("06/12/2025 3:20 p.m. CET")  # Django's en_GB short form
    expect(page.locator(f"#run-{asked.id}")).to_contain_text("01/09/2025 – 30/09/2025")
    page.goto(f"{live_server.url}{run.get_absolute_url()}")
    expect(page.locator("#run-preview").get_by_role("table").first).to_contain_text("1,234,567.89")
