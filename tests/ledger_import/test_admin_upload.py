"""The admin upload: who may import, and what the page shows."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from reporting import tasks
from reporting.models import BalanceTransaction, Event, ImportJob, Membership
from tests.factories import AccountFactory, MembershipFactory, UserFactory

from .conftest import BALANCE_CSV, PAYOUTS_CSV, ledger_state, with_cell

pytestmark = pytest.mark.django_db


IMPORT_URL = "admin:reporting_balancetransaction_import"


def upload(client, account, text=BALANCE_CSV, mode="test", name="march.csv"):
    """Upload a file; its queued import runs here once the upload's transaction commits, as a worker would."""
    data = text.encode() if isinstance(text, str) else text
    with (
        mock.patch.object(tasks.import_ledger_file, "delay", side_effect=tasks.import_ledger_file),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        return client.post(
            reverse(IMPORT_URL),
            {"account": account.pk, "mode": mode, "file": SimpleUploadedFile(name, data, content_type="text/csv")},
        )


def staff(account=None, role=None):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="reporting", codename__startswith="view_")
    )
    if account is not None:
        MembershipFactory(user=user, account=account, role=role)
    return user


def test_changelist_offers_import_to_superusers(admin_client):
    body = admin_client.get(reverse("admin:reporting_balancetransaction_changelist")).content.decode()

    assert reverse(IMPORT_URL) in body
    assert ">Import CSV<" in body


def test_superuser_uploads_a_file_and_rows_appear(admin_client, admin_user, fresh, settings):
    page = admin_client.get(reverse(IMPORT_URL))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()

    response = upload(admin_client, fresh)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse(f"{IMPORT_URL}_job", args=[job.pk])
    assert BalanceTransaction.objects.filter(account=fresh, livemode=False).count() == 4
    event = Event.objects.get(action=Event.Action.LEDGER_IMPORTED)
    assert (event.door, event.actor, event.data["file"], event.data["rows"]) == ("admin", admin_user, "march.csv", 4)
    assert (job.status, job.door, job.actor, job.filename, job.rows_written) == (
        "succeeded",
        "admin",
        admin_user,
        "march.csv",
        4,
    )
    body = admin_client.get(response.url).content.decode()
    assert "4 added, 0 already in the ledger (skipped)." in body
    assert "hx-trigger" not in body  # finished: no more polling
    assert not list((settings.IMPORT_FILES_ROOT / "uploads").iterdir())  # the stored upload is gone


def test_superuser_uploads_into_live_mode(admin_client, fresh):
    upload(admin_client, fresh, PAYOUTS_CSV, mode="live")

    assert BalanceTransaction.objects.filter(account=fresh, livemode=True).count() == 4
    assert not BalanceTransaction.objects.filter(livemode=False).exists()


def test_upload_errors_show_line_and_column_and_write_nothing(admin_client, fresh):
    before = ledger_state()

    response = upload(admin_client, fresh, with_cell(3, "gross", "12.345"))

    assert response.status_code == 302
    assert ImportJob.objects.get().status == "failed"
    body = admin_client.get(response.url).content.decode()
    assert "Nothing was imported" in body
    assert "line 3, column gross: &#x27;12.345&#x27; has more decimals than usd allows" in body
    assert ledger_state() == before


@pytest.mark.parametrize("role", [None, Membership.Role.VIEWER, Membership.Role.ANALYST])
def test_staff_who_administer_no_account_get_403(client, account, role):
    user = staff(account if role else AccountFactory(), role) if role else staff()
    client.force_login(user)
    before = ledger_state()

    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert upload(client, account).status_code == 403
    assert ledger_state() == before
    changelist = client.get(reverse("admin:reporting_balancetransaction_changelist")).content.decode()
    assert "Import CSV" not in changelist


def test_account_admins_import_into_their_account_only(client, account, fresh):
    user = staff(account, Membership.Role.ADMIN)
    client.force_login(user)

    assert upload(client, account, mode="live").status_code == 302
    response = upload(client, fresh)

    assert BalanceTransaction.objects.filter(account=account, livemode=True).count() == 4
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not BalanceTransaction.objects.filter(account=fresh).exists()
    assert Event.objects.get().actor == user


def test_anonymous_users_are_sent_to_log_in(client, fresh):
    response = upload(client, fresh)

    assert response.status_code == 302
    assert "/login/" in response.url
    assert not BalanceTransaction.objects.exists()
