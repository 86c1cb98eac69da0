"""The dashboard in a real browser: log in, request a report, watch it finish without a reload, download it.

Debian's Chromium, driven by Playwright, against the live server and a real
Celery worker on real Redis; the widget tests run their report in-process.
"""

from __future__ import annotations

import csv
import io
import os
import re
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from reporting.models import Membership, ReportRun
from reporting.reports import Params
from reporting.reports.balance import BalanceSummary
from reporting.reports.base import Row
from tests.browser_fixtures import BROWSER, PASSWORD, log_in
from tests.factories import BalanceTransactionFactory, MembershipFactory, ReportRunFactory, UserFactory

DOCS = Path(__file__).resolve().parent.parent / "docs"
SCREENSHOT, PREVIEW_SCREENSHOT = DOCS / "dashboard.png", DOCS / "run-preview.png"

pytestmark = BROWSER


@pytest.fixture
def worker_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Hold the worker inside BalanceSummary.rows until the test sets the event.

    The worker is a thread of this process, so the patch reaches it; the run
    stays pending for exactly as long as the test needs to see it pending.
    """
    gate = threading.Event()
    original = BalanceSummary.rows

    def gated_rows(self: BalanceSummary, params: Params, fields: Sequence[str]) -> Iterator[Row]:
        gate.wait(timeout=30)
        return original(self, params, fields)

    monkeypatch.setattr(BalanceSummary, "rows", gated_rows)
    yield gate
    gate.set()  # never leave the worker waiting when the test failed early


def add_other_runs(account, user) -> ReportRun:
    """A failed run and a running one (1,234 of 5,000 rows written), so the screenshot shows every state."""
    now = timezone.now()
    august = {
        "interval_start": int(datetime(2025, 8, 1, tzinfo=UTC).timestamp()),
        "interval_end": int(datetime(2025, 9, 1, tzinfo=UTC).timestamp()),
    }
    failed = ReportRunFactory.create(
        account=account,
        requested_by=user,
        report_type_id="balance_change_from_activity.itemized.1",
        parameters=august,
        created=now - timedelta(minutes=42),
    )
    failed.mark_failed("The report took longer than 10 minutes and was stopped. Try a shorter interval.")
    running = ReportRunFactory(
        account=account, requested_by=user, report_type_id="payouts.itemized.1", parameters=august
    )
    assert running.claim()
    # As its worker's heartbeat writes it (no worker runs it here: the test cancels it).
    started = timezone.now() - timedelta(seconds=10)
    ReportRun.objects.filter(pk=running.pk).update(
        started_at=started, heartbeat_at=timezone.now(), rows_written=1234, rows_expected=5000
    )
    return running


def test_request_report_watch_it_succeed_and_download(
    live_server, celery_worker, account, page, console_errors, worker_gate, report_files
):
    for day, amount in ((1, 5000), (10, 1000), (24, 2500)):
        BalanceTransactionFactory(account=account, created=datetime(2025, 9, day, 8, tzinfo=UTC), amount=amount, fee=59)
    BalanceTransactionFactory(account=account, created=datetime(2025, 10, 3, 8, tzinfo=UTC), amount=700, fee=0)
    user = UserFactory.create(username="finance", password=PASSWORD)
    MembershipFactory(account=account, user=user, role=Membership.Role.ANALYST)

    page.goto(live_server.url)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("User name").fill("finance")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Report runs")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="New report").click()
    expect(page.get_by_role("heading", name="New report")).to_be_visible()
    page.locator("#run-form").evaluate("form => form.dataset.stale = 'yes'")
    with page.expect_response(lambda r: r.request.method == "GET" and "/runs/new?" in r.url):
        page.get_by_label("Report type").select_option("balance.summary.1")
    expect(page.locator("#run-form[data-stale]")).to_have_count(0)  # the form was swapped
    expect(page.locator("#id_currency")).to_be_visible()  # with balance.summary.1's fields
    expect(page.locator("#field-columns .drag-handle").first).to_be_visible()  # draggable in the swapped-in form
    page.get_by_label("Start date").fill("2025-09-01")
    page.get_by_label("End date").fill("2025-09-30")
    page.get_by_role("button", name="Run report").click()
    page.wait_for_url(f"{live_server.url}/")

    run = ReportRun.objects.get(requested_by=user)
    row = page.locator(f"#run-{run.id}")
    expect(row.locator(".status")).to_have_text("Pending")
    expect(row).to_contain_text("09/01/2025 – 09/30/2025")  # Chromium asks for en-US

    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame is page.main_frame else None)
    page.evaluate("window.__marker = 1")
    worker_gate.set()
    expect(row.locator(".status")).to_have_text("Succeeded", timeout=20_000)

    assert navigations == []
    assert page.evaluate("window.__marker") == 1

    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download").click()
    download = download_info.value
    body = Path(download.path()).read_text(encoding="utf-8")

    lines = body.splitlines()
    assert lines[0] == '"category","description","net_amount","currency"'
    data = list(csv.reader(io.StringIO("\n".join(lines[1:]))))
    assert len(data) == 8
    assert {line[3] for line in data} == {"usd"}
    assert data[0] == ["starting_balance", "Starting balance (2025-09-01)", "0.00", "usd"]
    assert data[-1] == ["ending_balance", "Ending balance (2025-09-30)", "83.23", "usd"]
    assert download.suggested_filename.endswith(".csv")
    run.refresh_from_db()
    assert report_files.holds(run.result.storage_name)  # served from the bucket on the S3 leg (tests/report_storage.py)

    running = add_other_runs(account, user)
    page.reload()
    statuses = page.locator("#run-table .status")
    expect(statuses).to_have_text(["Pending", "Succeeded", "Failed"])
    row = page.locator(f"#run-{running.id}")
    expect(row).to_contain_text("1,234 of 5,000 rows")
    screenshot(page, SCREENSHOT)

    # Cancel it: the browser asks, the row flips to failed at its next poll, without a reload.
    navigations.clear()
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    row.get_by_role("button", name="Cancel").click()
    expect(page.locator("#run-notice")).to_contain_text("Canceled: the run stopped and keeps no file")
    expect(row.locator(".status")).to_have_text("Failed", timeout=10_000)
    expect(row).to_contain_text("Canceled by finance")
    assert questions == ["Cancel this run? It stops now and keeps no file."]
    assert navigations == []

    # The run's page shows the result without a download: the waterfall and its table.
    page.goto(f"{live_server.url}{run.get_absolute_url()}")
    preview = page.locator("#run-preview")
    expect(preview.locator("svg").first).to_be_visible()
    expect(preview.get_by_role("table").first).to_contain_text("83.23")
    screenshot(page, PREVIEW_SCREENSHOT, full_page=True)

    assert console_errors == []


def screenshot(page: Page, path: Path, full_page: bool = False) -> None:
    """The README's pictures: written when missing, or rewritten with UPDATE_SCREENSHOT=1."""
    if os.environ.get("UPDATE_SCREENSHOT") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=path, full_page=full_page)


# The new-run form's widgets


def download_csv(page: Page, run: ReportRun) -> list[str]:
    row = page.locator(f"#run-{run.id}")
    expect(row.locator(".status")).to_have_text("Succeeded", timeout=20_000)
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download").click()
    return Path(download_info.value.path()).read_text(encoding="utf-8").splitlines()


def column_order(picker) -> list[str]:
    return picker.locator("input[name=columns]").evaluate_all("boxes => boxes.map(b => b.value)")


def test_column_picker_reorders_the_file(live_server, in_process_tasks, account, page, console_errors):
    """Keyboard ↑/↓, the default set, drag and drop (SortableJS), the filter and "select all / none shown"."""
    for day in (datetime(2025, 8, 20, 8, tzinfo=UTC), datetime(2025, 9, 10, 8, tzinfo=UTC)):
        BalanceTransactionFactory(account=account, created=day, amount=5000, fee=59)
    user = UserFactory.create(username="columns", password=PASSWORD)
    MembershipFactory(account=account, user=user, role=Membership.Role.ANALYST)
    log_in(page, live_server, "columns")

    # From the catalogue's "New run" link, with the type already chosen.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Report types").click()
    page.get_by_role("link", name="New run: Balance summary", exact=True).click()
    expect(page.get_by_label("Report type")).to_have_value("balance.summary.1")
    page.get_by_label("Start date").fill("2025-09-01")
    page.get_by_label("End date").fill("2025-09-30")
    picker = page.locator("#field-columns")
    status = picker.locator("[data-column-status]")
    expect(picker.locator("input[name=columns]")).to_have_count(4)
    expect(picker.locator("#column-count")).to_have_text("4 of 4 columns shown")

    # The keyboard: currency to the top with its ↑ button, pressed three times.
    picker.get_by_role("button", name="Move currency up").focus()
    for _ in range(3):
        page.keyboard.press("Enter")
    expect(status).to_have_text("currency moved to position 1 of 4.")
    assert column_order(picker) == ["currency", "category", "description", "net_amount"]
    # "Default columns" puts the type's default set back, ticked and in its order.
    picker.get_by_role("button", name="Select none shown").click()
    expect(picker.locator("input[name=columns]:checked")).to_have_count(0)
    picker.get_by_role("button", name="Default columns").click()
    expect(picker.locator("input[name=columns]:checked")).to_have_count(4)
    assert column_order(picker) == ["category", "description", "net_amount", "currency"]

    # Drag and drop by the handles: currency to the top, net_amount above description.
    handle = picker.locator("li", has=page.get_by_label("currency", exact=True)).locator(".drag-handle")
    handle.drag_to(picker.locator("li").first.locator(".drag-handle"), target_position={"x": 4, "y": 2})
    expect(status).to_have_text("currency moved to position 1 of 4.")
    handle = picker.locator("li", has=page.get_by_label("net_amount", exact=True)).locator(".drag-handle")
    handle.drag_to(picker.locator("li").nth(2).locator(".drag-handle"), target_position={"x": 4, "y": 2})
    expect(status).to_have_text("net_amount moved to position 3 of 4.")
    assert column_order(picker) == ["currency", "category", "net_amount", "description"]
    picker.get_by_label("category", exact=True).uncheck()

    # The filter narrows the list (any case); the buttons act on what it shows, and hidden ticked columns stay ticked.
    picker.get_by_label("Filter columns").fill("AMOUNT")
    expect(picker.locator("#column-count")).to_have_text("1 of 4 columns shown")
    expect(picker.get_by_label("currency", exact=True)).to_be_hidden()
    picker.get_by_role("button", name="Select none shown").click()
    expect(picker.get_by_label("net_amount", exact=True)).not_to_be_checked()
    picker.get_by_role("button", name="Select all shown").click()
    expect(picker.get_by_label("net_amount", exact=True)).to_be_checked()
    expect(picker.get_by_label("category", exact=True)).not_to_be_checked()
    picker.get_by_label("Filter columns").press("Enter")  # does not submit the form
    expect(picker.locator("#column-count")).to_have_text("1 of 4 columns shown")
    page.get_by_role("button", name="Run report").click()
    page.wait_for_url(f"{live_server.url}/")

    run = ReportRun.objects.get(requested_by=user)
    assert run.parameters["columns"] == ["currency", "net_amount", "description"]
    assert in_process_tasks.run_queued() == 1
    lines = download_csv(page, run)
    assert lines[0] == '"currency","net_amount","description"'
    assert console_errors == []


def test_an_error_at_the_bottom_of_a_long_form_is_summarised_and_focused_and_a_double_click_runs_once(
    live_server, in_process_tasks, account, page, console_errors
):
    BalanceTransactionFactory(account=account, created=datetime(2025, 9, 10, 8, tzinfo=UTC), amount=5000, fee=59)
    user = UserFactory.create(username="impatient", password=PASSWORD)
    MembershipFactory(account=account, user=user, role=Membership.Role.ANALYST)
    log_in(page, live_server, "impatient")
    page.goto(f"{live_server.url}/runs/new?report_type=balance_change_from_activity.itemized.2")
    page.get_by_label("Period", exact=True).select_option("custom")
    page.get_by_label("Start date").fill("2025-09-10")  # the first day with data
    page.get_by_label("End date").fill("2025-09-30")
    # No column ticked: the error belongs to the picker, far below the top of the form.
    page.locator("#field-columns input[name=columns]").evaluate_all("boxes => boxes.forEach(b => b.checked = false)")
    submit = page.get_by_role("button", name="Run report")
    submit.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 1000
    submit.click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary.get_by_role("link")).to_have_text(["Choose at least one column."])
    summary.get_by_role("link").click()
    expect(page.locator("#id_columns_0")).to_be_focused()
    page.locator("#id_columns_0").check()
    page.get_by_role("button", name="Run report").dblclick()
    page.wait_for_url(f"{live_server.url}/")

    assert ReportRun.objects.filter(requested_by=user).count() == 1
    assert in_process_tasks.run_queued() == 1
    assert console_errors == []


def test_payout_picker_finds_a_payout_by_amount(live_server, in_process_tasks, account, page, console_errors):
    from tests.factories import PayoutFactory

    march = PayoutFactory(
        account=account, stripe_id="po_1March", amount=14820, arrival_date=datetime(2025, 3, 5, tzinfo=UTC)
    )
    PayoutFactory(account=account, stripe_id="po_1April", amount=990, arrival_date=datetime(2025, 4, 7, tzinfo=UTC))
    for amount in (10000, 5000):
        BalanceTransactionFactory(
            account=account, created=datetime(2025, 3, 1, 8, tzinfo=UTC), amount=amount, fee=90, automatic_payout=march
        )
    user = UserFactory.create(username="payouts", password=PASSWORD)
    MembershipFactory(account=account, user=user, role=Membership.Role.ANALYST)
    log_in(page, live_server, "payouts")

    page.get_by_role("main").get_by_role("link", name="New report").click()
    page.get_by_label("Report type").select_option("payout_reconciliation.by_id.summary.1")
    payout = page.get_by_label("Payout", exact=True)
    expect(payout).to_be_visible()
    expect(page.get_by_label("Start date")).to_have_count(0)
    payout.click()  # focusing lists the newest payouts
    results = page.locator("#payout-results [data-payout-pick]")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text("po_1April")
    payout.fill("148.20")
    expect(results).to_have_count(1)
    results.first.click()
    expect(payout).to_have_value("po_1March")
    page.get_by_role("button", name="Run report").click()
    page.wait_for_url(f"{live_server.url}/")

    run = ReportRun.objects.get(requested_by=user)
    assert run.parameters["payout"] == "po_1March"
    assert "interval_start" not in run.parameters
    assert in_process_tasks.run_queued() == 1
    lines = download_csv(page, run)
    assert lines[0] == '"reporting_category","currency","count","gross","fee","net"'
    assert lines[1].startswith('"charge","usd","2","150.00"'), lines
    assert console_errors == []


def test_widgets_without_javascript(live_server, account, browser):
    BalanceTransactionFactory(account=account, created=datetime(2025, 9, 10, 8, tzinfo=UTC))
    user = UserFactory.create(username="nojs", password=PASSWORD)
    MembershipFactory(account=account, user=user, role=Membership.Role.ANALYST)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "nojs")

    page.goto(f"{live_server.url}/runs/new?report_type=payouts.itemized.1")
    picker = page.locator("#field-columns")
    expect(picker.get_by_role("button", name="Move payout_id up")).to_be_hidden()
    expect(picker.get_by_label("Filter columns")).to_be_hidden()
    expect(picker.locator(".drag-handle").first).to_be_hidden()
    expect(picker.get_by_label("payout_id", exact=True)).to_be_checked()
    page.get_by_label("Report type").select_option("payout_reconciliation.by_id.itemized.4")
    page.get_by_role("button", name="Show fields").click()
    expect(page.get_by_label("Payout", exact=True)).to_be_editable()
    expect(page.get_by_role("link", name="Find a payout")).to_be_visible()
    context.close()


def test_admin_works_under_the_content_security_policy(live_server, account, page, console_errors):
    """The admin's own scripts (widgets, filters, calendar) run, and nothing is refused."""
    UserFactory.create(username="boss", password=PASSWORD, is_staff=True, is_superuser=True)
    member = MembershipFactory(account=account, role=Membership.Role.ANALYST).user
    # The admin's pages name no icon, so Chromium asks for /favicon.ico (a 404 console error of its own).
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto(f"{live_server.url}/admin/reporting/user/{member.pk}/change/")
    # SelectFilter2 turns the permissions list into its two boxes; DateTimeShortcuts adds "Today".
    expect(page.locator("#id_user_permissions_add_all")).to_be_visible()
    page.locator(".datetimeshortcuts a", has_text="Today").first.click()
    expect(page.locator("#id_date_joined_0")).not_to_have_value("")
    page.goto(f"{live_server.url}/admin/reporting/reportrun/")
    expect(page.locator("#changelist-filter")).to_be_visible()
    page.goto(f"{live_server.url}/admin/reporting/membership/add/")
    expect(page.locator("#lookup_id_user")).to_be_visible()

    assert console_errors == []
