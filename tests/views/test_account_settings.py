"""The text cell form: shown to every member on the settings page, changed by account admins there or in the admin."""

from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from reporting import services
from reporting.models import Account, CellFormat, Door, Event
from tests.factories import MembershipFactory, ReportRunFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "reporting:account-settings"


def test_an_admin_switches_to_stripe_exact_and_back(client, admin_member, account):
    client.force_login(admin_member)
    page = client.get(reverse(URL)).content.decode()
    assert "spreadsheet-safe</strong>" in page
    assert 'value="spreadsheet_safe" required id="id_cell_format_0" checked' in page  # the current choice

    response = client.post(reverse(URL), {"cell_format": "stripe_exact"})

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.cell_format == CellFormat.STRIPE_EXACT
    assert "Stripe-exact</strong>" in client.get(reverse(URL)).content.decode()
    event = Event.objects.get(action=Event.Action.ACCOUNT_UPDATED)
    assert (event.door, event.actor, event.object_id, event.data) == (
        "dashboard",
        admin_member,
        account.pk,
        {"cell_format": "stripe_exact"},
    )
    # The same choice again changes nothing and records nothing.
    client.post(reverse(URL), {"cell_format": "stripe_exact"})
    assert Event.objects.filter(action=Event.Action.ACCOUNT_UPDATED).count() == 1


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_other_members_see_the_setting_but_cannot_change_it(client, account, role):
    user = UserFactory()
    MembershipFactory(user=user, account=account, role=role)
    client.force_login(user)

    page = client.get(reverse(URL)).content.decode()
    refused = client.post(reverse(URL), {"cell_format": "stripe_exact"})

    assert "spreadsheet-safe</strong>" in page
    assert "Only account admins can change it." in page
    assert 'name="cell_format"' not in page
    assert refused.status_code == 403
    account.refresh_from_db()
    assert account.cell_format == CellFormat.SPREADSHEET_SAFE
    with pytest.raises(PermissionDenied):
        services.set_cell_format(services.Caller(account, False, Door.DASHBOARD, user=user), "stripe_exact")


def test_an_unknown_choice_is_refused(client, admin_member, account):
    client.force_login(admin_member)

    response = client.post(reverse(URL), {"cell_format": "csv_injection"})

    assert response.status_code == 400
    assert Account.objects.get(pk=account.pk).cell_format == CellFormat.SPREADSHEET_SAFE


def test_the_admin_edits_the_setting_and_records_it(admin_client, admin_user, account):
    url = reverse("admin:reporting_account_change", args=[quote(account.pk)])
    assert 'name="cell_format"' in admin_client.get(url).content.decode()

    response = admin_client.post(
        url,
        {
            "name": account.name,
            "cell_format": "stripe_exact",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert Account.objects.get(pk=account.pk).cell_format == CellFormat.STRIPE_EXACT
    event = Event.objects.get(action=Event.Action.ACCOUNT_UPDATED)
    assert (event.door, event.actor, event.data) == ("admin", admin_user, {"cell_format": "stripe_exact"})


def test_a_run_shows_the_form_its_file_was_written_in(analyst_client, admin_client, account):
    run = ReportRunFactory(account=account, cell_format=CellFormat.STRIPE_EXACT)

    detail = analyst_client.get(reverse("reporting:run-detail", args=[run.id])).content.decode()
    in_admin = admin_client.get(reverse("admin:reporting_reportrun_change", args=[quote(run.pk)])).content.decode()

    assert '<dd id="run-cell-format">Stripe-exact (text exactly as Stripe writes it)</dd>' in detail
    assert "Stripe-exact (text exactly as Stripe writes it)" in in_admin
