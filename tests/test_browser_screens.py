"""Every screen at phone width, and the admin's lists on a laptop: nothing scrolls sideways, axe-core finds nothing.

One walk, logged in once, over pages seeded so that each has content (runs in
every state, a preview with its chart, a schedule, a webhook endpoint with a
delivery, API keys, payouts, a Stripe source); then the switch to live mode,
which asks first.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from playwright.sync_api import Page, expect

from reporting import tasks
from reporting.models import (
    ApiKey,
    Door,
    Membership,
    ReportRun,
    StripeSource,
    WebhookAttempt,
    WebhookDelivery,
)
from reporting.services import Caller, webhooks
from reporting.services.schedules import ScheduleRequest, create_schedule
from tests.browser_fixtures import (
    BROWSER,
    LAPTOP,
    PASSWORD,
    PHONE,
    assert_accessible,
    assert_fits,
    assert_no_sideways_scroll,
    log_in,
)
from tests.factories import BalanceTransactionFactory, MembershipFactory, PayoutFactory, ReportRunFactory, UserFactory

pytestmark = BROWSER

SEPTEMBER = {
    "interval_start": int(datetime(2025, 9, 1, tzinfo=UTC).timestamp()),
    "interval_end": int(datetime(2025, 10, 1, tzinfo=UTC).timestamp()),
}
# What people really put in descriptions, errors and metadata: long words with no place to break.
LONG_WORD = "Invoice_INV-2025-09-000123456789-ACME-CORPORATION-EUROPE-GMBH"


def seed(account, user) -> dict[str, str]:
    """Content for every page; returns the addresses of the pages that need an id."""
    test_mode = Caller(account, False, Door.DASHBOARD, user=user)
    september_payout = PayoutFactory(
        account=account,
        stripe_id="po_1Sep2025LongerThanMostIds",
        amount=1_482_000,
        created=datetime(2025, 9, 20, tzinfo=UTC),
    )
    PayoutFactory(
        account=account,
        stripe_id="po_1Oct2025",
        amount=99_000,
        currency="eur",
        created=datetime(2025, 10, 2, tzinfo=UTC),
    )
    for day, amount, currency in (
        (2, 123_456_789, "usd"),
        (10, 250_000, "eur"),
        (14, 1_234_500, "jpy"),
        (24, 2_500, "usd"),
    ):
        BalanceTransactionFactory(
            account=account,
            created=datetime(2025, 9, day, 8, tzinfo=UTC),
            amount=amount,
            fee=59,
            currency=currency,
            description=f"{LONG_WORD} {day}",
            automatic_payout=september_payout if currency == "usd" else None,
        )
    BalanceTransactionFactory(
        account=account,
        stripe_id="txn_3PqRsT2eZvKYlo2C1AbCdEfG",  # as long as Stripe's
        created=datetime(2025, 9, 20, tzinfo=UTC),
        type="payout_minimum_balance_release",
        reporting_category="payout_minimum_balance_release",
        amount=-1_482_000,
        fee=0,
    )
    ReportRunFactory(account=account, livemode=True, requested_by=user, parameters=SEPTEMBER)

    endpoint, _ = webhooks.create_endpoint(
        test_mode,
        url=f"https://hooks.example.com/reporting/{LONG_WORD}",
        enabled_events=["*"],
        description="Finance data warehouse",
    )
    summary = ReportRunFactory(
        account=account, requested_by=user, report_type_id="balance.summary.1", parameters=SEPTEMBER
    )
    itemized = ReportRunFactory(
        account=account,
        requested_by=user,
        report_type_id="balance_change_from_activity.itemized.3",
        parameters={
            **SEPTEMBER,
            "columns": [
                "balance_transaction_id",
                "created_utc",
                "description",
                "gross",
                "fee",
                "net",
                "currency",
                "payment_metadata[an_unusually_long_metadata_key_here]",
            ],
        },
    )
    for run in (summary, itemized):
        tasks.run_report(run.pk)
        run.refresh_from_db()
        assert run.status == ReportRun.Status.SUCCEEDED, run.error
    failed = ReportRunFactory(
        account=account, requested_by=user, report_type_id="payouts.itemized.1", parameters=SEPTEMBER
    )
    failed.mark_failed(f"The report took longer than 10 minutes and was stopped ({LONG_WORD}). Try a shorter interval.")
    key, _ = ApiKey.issue(account=account, livemode=False, name="Nightly export to the data warehouse", created_by=user)
    ReportRunFactory(
        account=account, requested_by_key=key, requested_via=Door.API, parameters=SEPTEMBER
    ).claim()  # running
    ReportRunFactory(
        account=account, requested_by=user, report_type_id="payouts.summary.1", parameters=SEPTEMBER
    )  # queued
    ApiKey.issue(account=account, livemode=False, name="Old key", created_by=user)[0].revoke()

    schedule = create_schedule(
        test_mode,
        ScheduleRequest(
            name="Month-end balance for the board pack",
            report_type_id="balance.summary.1",
            period="last_month",
            cadence="monthly",
            day_of_month=1,
            time_of_day=time(7, 30),
            timezone="America/Argentina/Buenos_Aires",
            recipients=[user],
        ),
    )
    # The failed run's event, delivered once to an endpoint that answered 500 with a long body.
    delivery = WebhookDelivery.objects.get(endpoint=endpoint, event__type="reporting.report_run.failed")
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=1,
        started_at=delivery.created,
        duration_ms=231,
        status_code=500,
        response_body=f'{{"error": "{LONG_WORD}{LONG_WORD}"}}',
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=1, last_status_code=500)
    StripeSource.objects.create(
        account=account,
        encrypted_key="-",
        key_hint="rk_test_…4242",
        created_by=user,
        last_attempt_at=datetime(2025, 11, 30, tzinfo=UTC),
        last_error=f"Stripe answered 401: Invalid API Key provided: rk_test_{LONG_WORD}",
    )
    return {
        "summary": summary.get_absolute_url(),
        "itemized": itemized.get_absolute_url(),
        "schedule": schedule.get_absolute_url(),
        "endpoint": f"/webhooks/{endpoint.id}",
    }


def check(page: Page, problems: list[str]) -> None:
    """Both checks on the page as it is; every problem found is kept, so one run shows them all."""
    for assertion in (assert_no_sideways_scroll, assert_accessible):
        try:
            assertion(page)
        except (AssertionError, pytest.fail.Exception) as problem:
            problems.append(str(problem))


def test_every_screen_fits_a_phone_and_passes_axe(live_server, account, page, console_errors):
    # An account admin (live mode, keys, webhooks) who is staff too: one login for the dashboard and the admin.
    user = UserFactory.create(username="phone", password=PASSWORD, is_staff=True, is_superuser=True)
    MembershipFactory(account=account, user=user, role=Membership.Role.ADMIN)
    pages = seed(account, user)
    problems: list[str] = []
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/accounts/login/")
    check(page, problems)
    log_in(page, live_server, "phone")
    check(page, problems)  # the run list
    assert_fits(page, "#run-table .table-wrap")  # its table is one card per run, with nothing to scroll
    for path in (
        pages["summary"],
        pages["itemized"],
        "/report-types",
        "/runs/new?report_type=balance_change_from_activity.itemized.3",
        "/payouts?q=po_",
        "/schedules",
        pages["schedule"],
        "/webhooks",
        pages["endpoint"],
        "/api-keys",
        "/settings",
        "/sources",
    ):
        page.goto(f"{live_server.url}{path}")
        check(page, problems)

    # Live mode: the switch asks first, and leaving the question unanswered changes nothing.
    page.goto(live_server.url)
    expect(page.locator("#mode-badge")).to_have_text("Test mode")
    page.get_by_role("button", name="Switch to live mode…").click()
    expect(page.get_by_role("heading", name="Switch to live mode?")).to_be_visible()
    check(page, problems)
    page.get_by_role("link", name="Stay in test mode").click()
    expect(page.locator("#mode-badge")).to_have_text("Test mode")
    expect(page.locator(".mode-banner")).to_have_text("Test mode: you are looking at test data")
    page.get_by_role("button", name="Switch to live mode…").click()
    page.get_by_role("button", name="Switch to live mode", exact=True).click()
    expect(page.locator("#mode-badge")).to_have_text("Live mode")
    expect(page.locator(".mode-banner.live")).to_have_text("Live mode: real data")
    expect(page.locator("#run-table tbody tr")).to_have_count(1)  # the live run only
    check(page, problems)
    page.get_by_role("button", name="Switch to test mode").click()  # back at once: no question
    expect(page.locator("#mode-badge")).to_have_text("Test mode")

    # The payout picker, open with its results.
    page.goto(f"{live_server.url}/runs/new?report_type=payout_reconciliation.by_id.summary.1")
    page.get_by_label("Payout", exact=True).click()
    expect(page.locator("#payout-results [data-payout-pick]")).to_have_count(2)
    check(page, problems)

    # The admin's run and ledger lists on a laptop.
    page.set_viewport_size(LAPTOP)
    # The admin's pages name no icon, so Chromium asks for /favicon.ico (a 404 console error of its own).
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    for path in ("/admin/reporting/reportrun/", "/admin/reporting/balancetransaction/"):
        page.goto(f"{live_server.url}{path}")
        check(page, problems)
        try:
            assert_fits(page, "#changelist .results")
        except pytest.fail.Exception as problem:
            problems.append(str(problem))

    assert not problems, "\n\n".join(problems)
    assert console_errors == []
