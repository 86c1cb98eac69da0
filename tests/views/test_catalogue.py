"""The report type catalogue: families, the catalogue page, and live-only types in test mode."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from reporting.catalogue import families, family_name, family_of, type_label
from reporting.models import Membership, ReportRun, ReportType
from reporting.reports import REPORT_TYPES, versions_of
from reporting.services.runs import live_only_message
from tests.factories import MembershipFactory
from tests.views.conftest import HX, create_url, posted

pytestmark = pytest.mark.django_db


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


# Versions, as the dashboard names them


def test_no_two_versions_of_a_type_read_the_same():
    """Each version says what sets it apart, beyond its number: a reader chooses by what it writes."""
    for report in REPORT_TYPES.values():
        versions = versions_of(report)
        if len(versions) == 1:
            continue
        apart = [type_label(v.id).split(f"· v{v.version}, ", 1)[1] for v in versions]
        assert len(set(apart)) == len(apart), apart


def test_a_version_says_what_it_writes_against_its_siblings():
    labels = [type_label(f"payout_reconciliation.itemized.{v}") for v in range(1, 6)]

    assert labels == [
        "Itemized payout reconciliation · v1, 28 columns, UTC only",
        "Itemized payout reconciliation · v2, 28 columns + metadata, UTC only",
        "Itemized payout reconciliation · v3, 64 columns + metadata, UTC only",
        "Itemized payout reconciliation · v4, 45 columns + metadata",
        "Itemized payout reconciliation · v5, all columns",
    ]
    # Counted from the declarations, not written down: version 4 lost version 3's addresses.
    assert len(REPORT_TYPES["payout_reconciliation.itemized.4"].columns) == 45
    assert type_label("payout_reconciliation.by_id.itemized.3").endswith("· v3, 44 columns, UTC only")


def test_a_type_of_one_version_is_called_by_its_name():
    assert type_label("balance.summary.1") == "Balance summary"
    assert type_label("payout_reconciliation.by_id.summary.1") == "Payout reconciliation summary for one payout"


def test_the_form_the_catalogue_and_the_run_filter_list_versions_by_their_labels(analyst_client):
    form = analyst_client.get(reverse("reporting:run-create")).content.decode()
    catalogue = analyst_client.get(reverse("reporting:report-types")).content.decode()
    runs = analyst_client.get(reverse("reporting:run-list")).content.decode()

    label = "Itemized payout reconciliation · v5, all columns"
    assert f'<option value="payout_reconciliation.itemized.5">{label}</option>' in form
    assert f'aria-label="New run: {label}"' in catalogue
    assert f'<option value="payout_reconciliation.itemized.5">{label}</option>' in runs


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
        assert f"{type_label(report.id)}<br><code" in body
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
    assert "01/02/2025 7 p.m. EST" in body  # the default language, en-us
    assert "11/30/2025 7 p.m. EST" in body


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

    assert "Payouts summary — live mode only</option>" in listing
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
    client.post(reverse("reporting:switch-mode"), {"mode": "live", "confirm": "yes"})
    data = {"report_type": "payouts.summary.1", "start_date": "2025-09-01", "end_date": "2025-09-30"}

    form = client.get(create_url(report_type="payouts.summary.1")).content.decode()
    response = posted(client, data)

    assert "live data only" not in form
    assert response.status_code == 302
    assert ReportRun.objects.get().livemode is True
