"""The report type catalogue and the new-run form's widgets: column, payout, category and time zone pickers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.urls import reverse

from reporting import tasks
from reporting.catalogue import families, family_name, family_of
from reporting.categories import REPORTING_CATEGORIES
from reporting.forms import RunRequestForm
from reporting.models import Membership, ReportRun, ReportType
from reporting.reports import REPORT_TYPES, Report
from reporting.reports.base import Column
from reporting.reports.formats import text
from reporting.services.runs import live_only_message
from tests.factories import BalanceTransactionFactory, MembershipFactory, PayoutFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def ledger(account):
    for month in (1, 6, 11):
        BalanceTransactionFactory(account=account, created=datetime(2025, month, 3, 12, tzinfo=UTC))
        BalanceTransactionFactory(account=account, livemode=True, created=datetime(2025, month, 3, 12, tzinfo=UTC))
    return account


@pytest.fixture
def analyst_client(client, analyst, ledger):
    client.force_login(analyst)
    return client


@pytest.fixture
def register(monkeypatch):
    """Register a report type for one test: in the code registry and as a ReportType row."""

    def add(report: Report, live_only: bool = False) -> Report:
        monkeypatch.setitem(REPORT_TYPES, report.id, report)
        ReportType.objects.create(id=report.id, name=report.name, version=report.version, live_only=live_only)
        return report

    return add


class AsOfReport(Report):
    """What was in the balance at the end of the day, and not yet paid out?"""

    id = "ending_balance_reconciliation.itemized.99"
    name = "Test ending balance"
    columns = (Column("balance_transaction_id", text("stripe_id")), Column("currency", text("currency")))
    default_columns = None
    parameters = ("interval_end", "columns")
    required = ("interval_end",)


# The registry's own by-id, ending-balance and metadata-column types.
BY_ID = "payout_reconciliation.by_id.itemized.4"
AS_OF = "ending_balance_reconciliation.summary.1"
METADATA = "balance_change_from_activity.itemized.2"


def create_url(**params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("reporting:run-create") + (f"?{query}" if query else "")


def posted(client, data, **kwargs):
    with mock.patch.object(tasks.run_report, "delay"):
        return client.post(reverse("reporting:run-create"), data, **kwargs)


# Families


@pytest.mark.parametrize(
    ("report_id", "family"),
    [
        ("balance.summary.1", "balance"),
        ("balance_change_from_activity.itemized.3", "balance_change_from_activity"),
        ("payouts.itemized.1", "payouts"),
        ("payout_reconciliation.itemized.5", "payout_reconciliation"),
        ("payout_reconciliation.by_id.itemized.4", "payout_reconciliation.by_id"),
        ("payout_reconciliation.by_id.summary.1", "payout_reconciliation.by_id"),
        ("ending_balance_reconciliation.summary.1", "ending_balance_reconciliation"),
        ("tax.transactions.1", "tax.transactions"),
    ],
)
def test_family_is_the_id_before_summary_or_itemized(report_id, family):
    assert family_of(report_id) == family


def test_families_keep_registry_order_and_have_plain_names():
    groups = families(REPORT_TYPES.values())

    assert [g.id for g in groups][:3] == ["balance", "balance_change_from_activity", "payouts"]
    assert [e.report.id for e in groups[0].entries] == [r for r in REPORT_TYPES if family_of(r) == "balance"]
    assert sum(len(g.entries) for g in groups) == len(REPORT_TYPES)
    assert family_name("payout_reconciliation.by_id") == "Payout reconciliation for one payout"
    assert family_name("tax.transactions") == "Tax.transactions"


# Catalogue page


def test_catalogue_is_in_the_nav_and_groups_types_by_family(analyst_client):
    body = analyst_client.get(reverse("reporting:run-list")).content.decode()
    assert f'href="{reverse("reporting:report-types")}">Report types</a>' in body

    body = analyst_client.get(reverse("reporting:report-types")).content.decode()

    for report in REPORT_TYPES.values():
        section = body.index(f'id="family-{family_of(report.id)}"')
        row = body.index(f'id="type-{report.id}"')
        next_section = body.find('<section class="family"', section + 1)
        assert section < row < (next_section if next_section != -1 else len(body)), report.id
        assert f"{report.name}<br><code" in body
        assert report.question, f"{report.id} says in one line what it answers"
        assert report.question in body


def test_catalogue_marks_required_parameters_and_links_to_the_form(analyst_client):
    body = analyst_client.get(reverse("reporting:report-types")).content.decode()

    row = body[body.index('id="type-payouts.itemized.1"') :]
    row = row[: row.index("</tr>")]
    assert '<strong><code>interval_start</code></strong> <span class="muted">required</span>' in row
    assert "<li><code>currency</code></li>" in row
    assert "<strong><code>currency</code>" not in row
    assert f'href="{reverse("reporting:run-create")}?report_type=payouts.itemized.1"' in row


def test_catalogue_new_run_link_opens_the_form_with_that_type(analyst_client):
    body = analyst_client.get(create_url(report_type="payouts.itemized.1")).content.decode()

    assert '<option value="payouts.itemized.1" selected>' in body
    assert 'name="reporting_category"' in body


def test_catalogue_shows_data_availability_in_the_users_zone(analyst_client, analyst):
    analyst.timezone = "America/New_York"
    analyst.save()

    body = analyst_client.get(reverse("reporting:report-types")).content.decode()

    # The ledger's first day starts at 2025-01-03 00:00 UTC; the watermark is 2025-12-01 00:00 UTC.
    assert "2025-01-02 19:00 EST" in body
    assert "2025-11-30 19:00 EST" in body


def test_catalogue_marks_interval_end_alone_as_required_for_ending_balance(analyst_client):
    body = analyst_client.get(reverse("reporting:report-types")).content.decode()

    row = body[body.index('id="type-ending_balance_reconciliation.itemized.1"') :]
    row = row[: row.index("</tr>")]
    assert "<strong><code>interval_end</code></strong>" in row
    assert "interval_start" not in row


def test_catalogue_marks_live_only_types(analyst_client):
    ReportType.objects.filter(pk="payouts.summary.1").update(live_only=True)

    body = analyst_client.get(reverse("reporting:report-types")).content.decode()

    live_row = body[body.index('id="type-payouts.summary.1"') :]
    other_row = body[body.index('id="type-payouts.itemized.1"') :]
    assert "Live mode only" in live_row[: live_row.index("</tr>")]
    assert "Live mode only" not in other_row[: other_row.index("</tr>")]


def test_viewer_sees_the_catalogue_without_new_run_links(client, account, ledger):
    viewer = MembershipFactory(account=account, role=Membership.Role.VIEWER).user
    client.force_login(viewer)

    response = client.get(reverse("reporting:report-types"))

    assert response.status_code == 200
    assert "balance.summary.1" in response.content.decode()
    assert "New run" not in response.content.decode()


def test_catalogue_requires_login(client):
    response = client.get(reverse("reporting:report-types"))

    assert response.status_code == 302


# Live-only types in test mode


def test_live_only_type_is_listed_marked_and_explained_in_test_mode(analyst_client):
    ReportType.objects.filter(pk="payouts.summary.1").update(live_only=True)

    listing = analyst_client.get(reverse("reporting:run-create")).content.decode()
    chosen = analyst_client.get(create_url(report_type="payouts.summary.1"), headers=HX).content.decode()

    assert "Payouts summary (payouts.summary.1) — live mode only</option>" in listing
    assert "runs on live data only, and you are in test mode" in chosen
    assert "Only an account admin can switch to live mode." in chosen
    assert re.search(r'<button type="submit" class="primary" disabled>Run report', chosen)
    assert 'name="start_date"' not in chosen


def test_test_mode_request_for_a_live_only_type_gets_a_clear_error(analyst_client):
    ReportType.objects.filter(pk="payouts.summary.1").update(live_only=True)
    data = {"report_type": "payouts.summary.1", "start_date": "2025-09-01", "end_date": "2025-09-30"}

    response = posted(analyst_client, data)

    assert response.status_code == 400
    # The service's refusal, the same words the API and the admin use, next to the type picker.
    errors = response.context["form"].errors["report_type"]
    assert errors == [live_only_message("payouts.summary.1")]
    assert not ReportRun.objects.exists()


def test_live_only_type_runs_in_live_mode(client, admin_member, ledger):
    ReportType.objects.filter(pk="payouts.summary.1").update(live_only=True)
    client.force_login(admin_member)
    client.post(reverse("reporting:switch-mode"))
    data = {"report_type": "payouts.summary.1", "start_date": "2025-09-01", "end_date": "2025-09-30"}

    form = client.get(create_url(report_type="payouts.summary.1")).content.decode()
    response = posted(client, data)

    assert "live data only" not in form
    assert response.status_code == 302
    assert ReportRun.objects.get().livemode is True


# Column picker


def column_list(body):
    picker = body[body.index('class="column-list"') :]
    picker = picker[: picker.index("</ol>")]
    return re.findall(r'name="columns" value="([^"]+)" id="[^"]+"( checked)?', picker)


def test_column_picker_lists_default_columns_checked_in_default_order_then_the_rest():
    report = REPORT_TYPES["payouts.itemized.1"]
    form = RunRequestForm(
        report_types=list(REPORT_TYPES),
        user_timezone="Etc/UTC",
        availability=(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 12, 1, tzinfo=UTC)),
        currencies=["usd"],
        today=datetime(2025, 11, 15, tzinfo=UTC).date(),
        switch_to={"report_type": "payouts.itemized.1"},
    )

    items = form.column_items()
    assert [name for name, checked in items if checked] == report.default_columns
    assert [name for name, _ in items] == report.default_columns + [
        c for c in report.column_names if c not in report.default_columns
    ]


def test_column_picker_renders_checkboxes_with_move_buttons(analyst_client):
    body = analyst_client.get(create_url(report_type="payouts.itemized.1"), headers=HX).content.decode()

    columns = column_list(body)
    report = REPORT_TYPES["payouts.itemized.1"]
    assert [name for name, checked in columns if checked] == report.default_columns
    assert len(columns) == len(report.column_names)
    assert 'aria-label="Move payout_id up"' in body
    assert 'aria-label="Move payout_id down"' in body


def test_columns_are_stored_in_the_order_submitted(analyst_client):
    data = {
        "report_type": "payouts.itemized.1",
        "start_date": "2025-09-01",
        "end_date": "2025-09-30",
        "columns": ["net", "payout_id", "currency"],
    }

    response = posted(analyst_client, data)

    assert response.status_code == 302, response.context["form"].errors
    assert ReportRun.objects.get().parameters["columns"] == ["net", "payout_id", "currency"]


def test_untouched_default_columns_and_decimal_mark_are_not_stored(analyst_client):
    data = {
        "report_type": "payouts.itemized.1",
        "start_date": "2025-09-01",
        "end_date": "2025-09-30",
        "columns": REPORT_TYPES["payouts.itemized.1"].default_columns,
        "decimal_separator": ".",
    }

    response = posted(analyst_client, data)

    assert response.status_code == 302, response.context["form"].errors
    assert set(ReportRun.objects.get().parameters) == {"interval_start", "interval_end"}


def test_a_rejected_form_keeps_the_chosen_column_order(analyst_client):
    data = {
        "report_type": "payouts.itemized.1",
        "start_date": "2025-09-30",
        "end_date": "2025-09-01",
        "columns": ["net", "payout_id"],
    }

    body = posted(analyst_client, data).content.decode()

    assert column_list(body)[:3] == [("net", " checked"), ("payout_id", " checked"), ("effective_at_utc", "")]


def test_metadata_columns_are_offered_as_an_add_box(analyst_client):

    body = analyst_client.get(create_url(report_type=METADATA), headers=HX).content.decode()

    assert sorted(name for name, _ in column_list(body)) == sorted(REPORT_TYPES[METADATA].column_names)
    add_box = body[body.index('id="metadata-prefix"') :]
    add_box = add_box[: add_box.index("</select>")]
    assert re.findall(r'<option value="(\w+)">', add_box) == [
        "payment_metadata",
        "refund_metadata",
        "transfer_metadata",
    ]
    assert 'id="metadata-key"' in body
    assert 'name="metadata' not in body  # the add box itself is never submitted


def test_metadata_key_columns_are_stored_in_order(analyst_client):
    data = {"report_type": METADATA, "start_date": "2025-09-01", "end_date": "2025-09-30"}

    good = posted(analyst_client, {**data, "columns": ["payment_metadata[order_id]", "currency"]})
    bad = posted(analyst_client, {**data, "columns": ["payment_metadata_order_id"]})

    assert good.status_code == 302
    assert ReportRun.objects.get().parameters["columns"] == ["payment_metadata[order_id]", "currency"]
    assert bad.status_code == 400
    assert "payment_metadata_order_id" in " ".join(bad.context["form"].errors["columns"])


def test_types_without_metadata_columns_refuse_metadata_keys(analyst_client):
    data = {"report_type": "payouts.itemized.1", "start_date": "2025-09-01", "end_date": "2025-09-30"}

    response = posted(analyst_client, {**data, "columns": ["payment_metadata[order_id]"]})
    body = analyst_client.get(create_url(report_type="payouts.itemized.1"), headers=HX).content.decode()

    assert response.status_code == 400
    assert "columns" in response.context["form"].errors
    assert 'id="metadata-key"' not in body


# Category, time zone and decimal separator


def test_category_select_offers_every_reporting_category(analyst_client):
    body = analyst_client.get(create_url(report_type="payouts.itemized.1"), headers=HX).content.decode()

    select = body[body.index('name="reporting_category"') :]
    select = select[: select.index("</select>")]
    assert re.findall(r'<option value="([^"]*)"', select) == ["", *REPORTING_CATEGORIES]


def test_category_is_stored(analyst_client):
    data = {
        "report_type": "payouts.itemized.1",
        "start_date": "2025-09-01",
        "end_date": "2025-09-30",
        "reporting_category": "payout_reversal",
    }

    posted(analyst_client, data)

    assert ReportRun.objects.get().parameters["reporting_category"] == "payout_reversal"


def test_timezone_select_defaults_to_the_users_zone(analyst_client, analyst):
    analyst.timezone = "Asia/Tokyo"
    analyst.save()

    body = analyst_client.get(create_url(report_type="balance.summary.1")).content.decode()

    select = body[body.index('name="timezone"') :]
    select = select[: select.index("</select>")]
    assert re.findall(r'<option value="([^"]+)" selected>', select) == ["Asia/Tokyo"]


def test_decimal_separator_select_defaults_to_a_point(analyst_client):
    data = {"report_type": "payouts.itemized.1", "start_date": "2025-09-01", "end_date": "2025-09-30"}

    body = analyst_client.get(create_url(report_type="payouts.itemized.1"), headers=HX).content.decode()
    posted(analyst_client, {**data, "decimal_separator": "."})
    posted(analyst_client, {**data, "decimal_separator": ","})
    bad = posted(analyst_client, {**data, "decimal_separator": ";"})

    assert '<option value="." selected>Point: 1234.56</option>' in body
    assert [r.parameters.get("decimal_separator") for r in ReportRun.objects.order_by("created", "id")] == [None, ","]
    assert "decimal_separator" in bad.context["form"].errors


# Ending-balance types: one "as of" day


def test_as_of_type_asks_for_one_day_and_runs_to_the_midnight_after_it(analyst_client, analyst):
    analyst.timezone = "Europe/Berlin"
    analyst.save()

    body = analyst_client.get(create_url(report_type=AS_OF), headers=HX).content.decode()
    response = posted(analyst_client, {"report_type": AS_OF, "as_of": "2025-09-30"})

    assert 'name="as_of"' in body
    assert 'name="start_date"' not in body
    assert 'name="end_date"' not in body
    assert response.status_code == 302, response.context["form"].errors
    assert ReportRun.objects.get().parameters == {
        "interval_end": int(datetime(2025, 9, 30, 22, tzinfo=UTC).timestamp())
    }


def test_as_of_after_data_available_end_is_an_error_next_to_the_day(analyst_client):

    response = posted(analyst_client, {"report_type": AS_OF, "as_of": "2025-12-05"})

    assert response.status_code == 400
    assert "after data_available_end" in " ".join(response.context["form"].errors["as_of"])


def test_switching_type_keeps_the_days_typed(analyst_client):

    as_of = analyst_client.get(
        create_url(report_type=AS_OF, start_date="2025-06-01", end_date="2025-06-30"), headers=HX
    ).content.decode()
    back = analyst_client.get(create_url(report_type="balance.summary.1", as_of="2025-07-31"), headers=HX)

    assert 'name="as_of" value="2025-06-30"' in as_of
    assert 'name="end_date" value="2025-07-31"' in back.content.decode()


# Payout picker


@pytest.fixture
def payouts(account):
    """Automatic payouts of the test mode, plus ones the picker must never offer."""
    made = {
        "march": PayoutFactory(
            account=account, stripe_id="po_1Mar", amount=14820, arrival_date=datetime(2025, 3, 5, tzinfo=UTC)
        ),
        "april": PayoutFactory(
            account=account, stripe_id="po_1Apr", amount=990, arrival_date=datetime(2025, 4, 7, tzinfo=UTC)
        ),
        "yen": PayoutFactory(
            account=account,
            stripe_id="po_2Yen",
            amount=14820,
            currency="jpy",
            arrival_date=datetime(2025, 4, 9, tzinfo=UTC),
        ),
        "manual": PayoutFactory(
            account=account, stripe_id="po_1Man", automatic=False, arrival_date=datetime(2025, 3, 5, tzinfo=UTC)
        ),
        "live": PayoutFactory(
            account=account, stripe_id="po_1Liv", livemode=True, arrival_date=datetime(2025, 3, 5, tzinfo=UTC)
        ),
        "other": PayoutFactory(stripe_id="po_1Oth", amount=14820, arrival_date=datetime(2025, 3, 5, tzinfo=UTC)),
    }
    return made


def found(client, query, **headers):
    body = client.get(reverse("reporting:payout-search"), {"payout": query}, headers=headers).content.decode()
    return re.findall(r"<code>(po_\w+)</code>", body)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["po_2Yen", "po_1Apr", "po_1Mar"]),
        ("po_1", ["po_1Apr", "po_1Mar"]),
        ("po_1M", ["po_1Mar"]),
        ("2025-03-05", ["po_1Mar"]),
        ("2025-04", ["po_2Yen", "po_1Apr"]),
        ("148.20", ["po_1Mar"]),
        ("148,20", ["po_1Mar"]),
        ("14820", ["po_2Yen"]),
        ("9.9", ["po_1Apr"]),
        ("2025-02-30", []),
        ("po_9", []),
    ],
)
def test_payout_search_by_id_date_or_amount(analyst_client, payouts, query, expected):
    assert found(analyst_client, query, **HX) == expected


def test_payout_search_partial_offers_buttons_that_pick_the_id(analyst_client, payouts):
    body = analyst_client.get(reverse("reporting:payout-search"), {"payout": "po_1Mar"}, headers=HX).content.decode()

    assert body.lstrip().startswith('<div id="payout-results"')
    assert 'data-payout-pick="po_1Mar"' in body
    assert "148.20 USD" in body
    assert "arrives 2025-03-05" in body


def test_payout_search_is_limited_to_twenty_newest(analyst_client, account):
    for day in range(1, 26):
        PayoutFactory(account=account, stripe_id=f"po_d{day:02d}", arrival_date=datetime(2025, 5, day, tzinfo=UTC))

    ids = found(analyst_client, "po_d", **HX)

    assert ids == [f"po_d{day:02d}" for day in range(25, 5, -1)]


def test_payout_search_page_without_js_links_back_to_the_form(analyst_client, payouts):
    body = analyst_client.get(
        reverse("reporting:payout-search"), {"q": "po_1Mar", "report_type": "payouts.itemized.1"}
    ).content.decode()

    assert "<html" in body
    assert "data-payout-pick" not in body
    assert f'href="{reverse("reporting:run-create")}?report_type=payouts.itemized.1&amp;payout=po_1Mar"' in body


def test_payout_search_answers_only_in_the_live_mode_for_admins_there(client, admin_member, payouts):
    client.force_login(admin_member)
    client.post(reverse("reporting:switch-mode"))

    assert found(client, "po_1", **HX) == ["po_1Liv"]


def test_by_id_type_asks_for_the_payout_and_no_dates(analyst_client):
    body = analyst_client.get(create_url(report_type=BY_ID), headers=HX).content.decode()

    assert 'name="payout"' in body
    assert f'hx-get="{reverse("reporting:payout-search")}"' in body
    assert 'name="start_date"' not in body
    assert 'name="end_date"' not in body
    assert 'name="as_of"' not in body
    assert f'href="{reverse("reporting:payout-search")}?report_type={BY_ID}"' in body  # the no-JS way


def test_by_id_type_runs_for_an_automatic_payout_of_the_account(analyst_client, payouts):
    response = posted(analyst_client, {"report_type": BY_ID, "payout": "po_1Mar"})

    assert response.status_code == 302, response.context["form"].errors
    assert ReportRun.objects.get().parameters == {"payout": "po_1Mar"}


@pytest.mark.parametrize(
    ("payout", "message"),
    [
        ("", "This field is required."),
        ("po_1Man", "No such automatic payout: 'po_1Man'"),  # manual
        ("po_1Liv", "No such automatic payout: 'po_1Liv'"),  # live mode
        ("po_1Oth", "No such automatic payout: 'po_1Oth'"),  # another account
    ],
)
def test_by_id_type_refuses_other_payouts_next_to_the_field(analyst_client, payouts, payout, message):
    response = posted(analyst_client, {"report_type": BY_ID, "payout": payout})

    assert response.status_code == 400
    assert response.context["form"].errors["payout"] == [message]
    assert not ReportRun.objects.exists()


def test_switching_to_a_by_id_type_keeps_the_payout_typed(analyst_client):
    body = analyst_client.get(create_url(report_type=BY_ID, payout="po_1Mar"), headers=HX).content.decode()

    assert 'name="payout" id="id_payout" value="po_1Mar"' in body
