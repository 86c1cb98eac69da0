from __future__ import annotations

import io
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.contrib.admin.utils import quote
from django.test import Client
from django.urls import reverse

from reporting import tasks
from reporting.models import Event, Membership, ReportRun
from tests.factories import (
    AccountFactory,
    BalanceTransactionFactory,
    FileFactory,
    MembershipFactory,
    ReportRunFactory,
    UserFactory,
)

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


def valid_post(**overrides):
    data = {
        "report_type": "balance.summary.1",
        "start_date": "2025-09-01",
        "end_date": "2025-09-30",
        "timezone": "Etc/UTC",
        "currency": "",
        "columns": ["category", "net_amount"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# Access


def test_run_list_requires_login(client):
    response = client.get(reverse("reporting:run-list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_deactivated_user_is_logged_out_on_next_request(analyst_client, analyst):
    assert analyst_client.get(reverse("reporting:run-list")).status_code == 200
    analyst.is_active = False
    analyst.save(update_fields=["is_active"])

    response = analyst_client.get(reverse("reporting:run-list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_password_login_then_dashboard(client, analyst, ledger):
    analyst.set_password("correct horse battery")
    analyst.save()

    assert client.post(reverse("login"), {"username": "ana", "password": "correct horse battery"}).status_code == 302
    response = client.get(reverse("reporting:run-list"))

    assert response.status_code == 200
    assert response.wsgi_request.user == analyst
    assert response.context["membership"].account.name == "Acme"


def test_member_of_several_accounts_sees_the_first_by_name(client, analyst, account):
    MembershipFactory(account=AccountFactory(name="Zeta"), user=analyst)
    MembershipFactory(account=AccountFactory(name="Aardvark"), user=analyst)
    client.force_login(analyst)

    response = client.get(reverse("reporting:run-list"))

    assert response.context["membership"].account.name == "Aardvark"


def test_run_list_shows_only_own_account_and_mode(analyst_client, account):
    mine = ReportRunFactory(account=account)
    live = ReportRunFactory(account=account, livemode=True)
    other = ReportRunFactory()

    body = analyst_client.get(reverse("reporting:run-list")).content.decode()

    assert mine.id in body
    assert live.id not in body
    assert other.id not in body


def test_analyst_cannot_switch_to_live_mode(analyst_client, account):
    live = ReportRunFactory(account=account, livemode=True)

    response = analyst_client.post(reverse("reporting:switch-mode"))

    assert response.status_code == 403
    assert live.id not in analyst_client.get(reverse("reporting:run-list")).content.decode()


def test_admin_switches_to_live_mode(client, admin_member, ledger):
    live = ReportRunFactory(account=ledger, livemode=True)
    test = ReportRunFactory(account=ledger)
    client.force_login(admin_member)

    client.post(reverse("reporting:switch-mode"))

    body = client.get(reverse("reporting:run-list")).content.decode()
    assert live.id in body
    assert test.id not in body


# Run list and polling


def test_run_list_htmx_renders_table_partial_only(analyst_client, account):
    ReportRunFactory(account=account)

    body = analyst_client.get(reverse("reporting:run-list"), headers=HX).content.decode()

    assert body.lstrip().startswith('<section id="run-table"')
    assert "<html" not in body


def test_run_table_polls_while_a_run_is_pending(analyst_client, account):
    ReportRunFactory(account=account)

    body = analyst_client.get(reverse("reporting:run-list"), headers=HX).content.decode()

    assert 'hx-trigger="every 2s"' in body


def test_run_table_stops_polling_when_none_pending(analyst_client, account):
    run = ReportRunFactory(account=account)
    run.mark_failed("Broken ledger")

    body = analyst_client.get(reverse("reporting:run-list"), headers=HX).content.decode()

    assert "hx-trigger" not in body
    assert "Broken ledger" in body


def test_run_list_shows_download_link_and_size(analyst_client, account):
    run = ReportRunFactory(account=account)
    run.mark_succeeded(result=FileFactory(account=account, size=2048), row_count=8)

    body = analyst_client.get(reverse("reporting:run-list")).content.decode()

    assert reverse("reporting:run-download", args=[run.id]) in body
    assert "2.0\xa0KB" in body


def test_run_list_is_paginated_newest_first(analyst_client, account):
    runs = [ReportRunFactory(account=account, created=datetime(2025, 1, 1, 0, i, tzinfo=UTC)) for i in range(25)]

    first = analyst_client.get(reverse("reporting:run-list")).content.decode()
    # Keyset pages: "Older →" starts after the last run shown (the 20th newest).
    assert f'href="?starting_after={runs[5].id}"' in first
    second = analyst_client.get(reverse("reporting:run-list"), {"starting_after": runs[5].id}).content.decode()

    assert first.index(runs[24].id) < first.index(runs[23].id)
    assert runs[0].id not in first
    assert runs[0].id in second


# Detail


def test_detail_htmx_renders_status_partial_only(analyst_client, account):
    run = ReportRunFactory(account=account)

    body = analyst_client.get(run.get_absolute_url(), headers=HX).content.decode()

    assert body.lstrip().startswith('<section id="run-status"')
    assert 'hx-trigger="every 2s"' in body


def test_status_partial_stops_polling_when_succeeded(analyst_client, account):
    run = ReportRunFactory(account=account)
    run.mark_succeeded(result=FileFactory(account=account), row_count=1)

    body = analyst_client.get(run.get_absolute_url(), headers=HX).content.decode()

    assert "hx-trigger" not in body
    assert "Download CSV" in body


# New-run form


def test_form_swaps_fields_for_chosen_type(analyst_client):
    url = reverse("reporting:run-create")

    summary = analyst_client.get(url, {"report_type": "balance.summary.1"}, headers=HX).content.decode()
    itemized = analyst_client.get(url, {"report_type": "payouts.itemized.1"}, headers=HX).content.decode()

    assert 'name="timezone"' in summary
    assert 'name="reporting_category"' not in summary
    assert 'name="reporting_category"' in itemized
    assert 'name="timezone"' not in itemized
    assert 'value="payout_id"' in itemized
    assert "<html" not in itemized


def test_form_defaults_to_last_full_month_in_user_timezone(analyst_client):
    with mock.patch("django.utils.timezone.now", return_value=datetime(2025, 11, 15, 12, tzinfo=UTC)):
        body = analyst_client.get(reverse("reporting:run-create")).content.decode()

    assert 'value="2025-10-01"' in body
    assert 'value="2025-10-31"' in body
    assert "Data available from 2025-01-03 to 2025-12-01" in body


def test_valid_submit_creates_pending_run_and_enqueues_after_commit(
    analyst_client, analyst, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(tasks.run_report, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = analyst_client.post(reverse("reporting:run-create"), valid_post(), headers=HX)

    run = ReportRun.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("reporting:run-list")
    assert run.status == "pending"
    assert run.requested_by == analyst
    assert run.requested_via == "dashboard"
    assert run.parameters == {
        "interval_start": 1756684800,
        "interval_end": 1759276800,
        "timezone": "Etc/UTC",
        "columns": ["category", "net_amount"],
    }
    assert len(callbacks) == 1
    delay.assert_called_once_with(run.pk)
    assert Event.objects.filter(action="run.requested", object_id=run.id, door="dashboard").exists()


def test_dates_are_taken_in_the_users_timezone(analyst_client, analyst):
    analyst.timezone = "Europe/Berlin"
    analyst.save()

    with mock.patch.object(tasks.run_report, "delay"):
        analyst_client.post(reverse("reporting:run-create"), valid_post(timezone="Europe/Berlin"))

    params = ReportRun.objects.get().parameters
    assert params["interval_start"] == int(datetime(2025, 8, 31, 22, tzinfo=UTC).timestamp())
    assert params["interval_end"] == int(datetime(2025, 9, 30, 22, tzinfo=UTC).timestamp())


def test_viewer_cannot_request(client, account, ledger):
    viewer = MembershipFactory(account=account, role=Membership.Role.VIEWER).user
    client.force_login(viewer)

    response = client.post(reverse("reporting:run-create"), valid_post())

    assert response.status_code == 403
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end_date": "2025-08-01"}, "end_date", "must not be before"),
        ({"start_date": "2024-12-01"}, "start_date", "before data_available_start"),
        ({"end_date": "2025-12-05"}, "end_date", "after data_available_end"),
        ({"report_type": "nope.summary.1"}, "report_type", "Select a valid choice"),
        ({"report_type": "payouts.itemized.1", "columns": None}, None, "Unknown parameter: timezone"),
        ({"surprise": "1"}, None, "Unknown parameter: surprise"),
        ({"columns": ["category", "bogus"]}, "columns", "Unknown column: bogus"),
        ({"start_date": "2025-13-45"}, "start_date", "Enter a valid date"),
        ({"start_date": "99999-01-01"}, "start_date", "Enter a valid date"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Select a valid choice"),
        ({"currency": "xyz"}, "currency", "Select a valid choice"),
    ],
)
def test_bad_input_shows_error_next_to_field_and_creates_nothing(analyst_client, overrides, field, message):
    response = analyst_client.post(reverse("reporting:run-create"), valid_post(**overrides))

    assert response.status_code == 400
    form = response.context["form"]
    errors = form.errors.get(field or "__all__")
    assert errors, form.errors
    assert message in " ".join(errors)
    assert not ReportRun.objects.exists()


def test_bad_input_htmx_rerenders_form_partial(analyst_client):
    response = analyst_client.post(reverse("reporting:run-create"), valid_post(end_date="2025-08-01"), headers=HX)

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="run-form"')
    assert "must not be before" in body
    assert not ReportRun.objects.exists()


def test_post_without_csrf_token_is_refused(analyst, ledger):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)

    response = client.post(reverse("reporting:run-create"), valid_post())

    assert response.status_code == 403
    assert not ReportRun.objects.exists()


# Downloads


def test_download_streams_csv_attachment(analyst_client, account, settings):
    from reporting.models import report_storage

    name = report_storage().save("t/x.csv", io.BytesIO(b'"a"\n"1"\n'))
    run = ReportRunFactory(account=account)
    run.mark_succeeded(
        result=FileFactory(
            account=account, storage_name=name, filename="balance.summary.1_2025-09-01_2025-10-01.csv", size=8
        ),
        row_count=1,
    )

    response = analyst_client.get(reverse("reporting:run-download", args=[run.id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="balance.summary.1_2025-03-01_2025-03-31.csv"'
    assert b"".join(response.streaming_content) == b'"a"\n"1"\n'
    assert Event.objects.filter(action="file.downloaded", door="dashboard").count() == 1


def _succeeded_run(account, livemode=False):
    from reporting.models import report_storage

    name = report_storage().save("t/run.csv", io.BytesIO(b'"a"\n'))
    run = ReportRunFactory(account=account, livemode=livemode)
    run.mark_succeeded(result=FileFactory(account=account, livemode=livemode, storage_name=name, size=4), row_count=1)
    return run


def _admin_url(model, obj):
    # Escaped as the admin's own links are: an id holding "_3C" would otherwise read back as "<".
    return reverse(f"admin:reporting_{model}_change", args=[quote(obj.pk)])


# Every URL that carries an id: dashboard pages, htmx partials, downloads and the
# admin (as non-superuser staff with view permissions).
ID_URLS = [
    ("page", lambda run: reverse("reporting:run-detail", args=[run.id]), {}),
    ("partial", lambda run: reverse("reporting:run-detail", args=[run.id]), HX),
    ("download", lambda run: reverse("reporting:run-download", args=[run.id]), {}),
    ("admin-run", lambda run: _admin_url("reportrun", run), {}),
    ("admin-run-history", lambda run: reverse("admin:reporting_reportrun_history", args=[quote(run.pk)]), {}),
    ("admin-file", lambda run: _admin_url("file", run.result), {}),
]


@pytest.mark.parametrize("whose", ["other-account", "other-mode"])
@pytest.mark.parametrize(("kind", "url_of", "headers"), ID_URLS, ids=[u[0] for u in ID_URLS])
def test_urls_with_an_id_answer_404_outside_account_and_mode(
    analyst_client, analyst, account, whose, kind, url_of, headers
):
    from django.contrib.auth.models import Permission

    analyst.is_staff = True
    analyst.save()
    analyst.user_permissions.add(*Permission.objects.filter(codename__in=["view_reportrun", "view_file"]))
    run = _succeeded_run(AccountFactory()) if whose == "other-account" else _succeeded_run(account, livemode=True)
    own = _succeeded_run(account)

    response = analyst_client.get(url_of(run), headers=headers)
    control = analyst_client.get(url_of(own), headers=headers)

    assert response.status_code == 404
    assert control.status_code == 200  # the same URL works for the user's own run


# API keys


def test_admin_creates_key_and_sees_secret_once(client, admin_member, ledger):
    client.force_login(admin_member)

    created = client.post(reverse("reporting:api-keys"), {"name": "Nightly"}).content.decode()
    listed = client.get(reverse("reporting:api-keys")).content.decode()

    from reporting.models import ApiKey

    key = ApiKey.objects.get()
    secret = created.split('id="new-secret">')[1].split("<")[0]
    assert ApiKey.objects.authenticate(secret) == key
    assert secret not in listed
    assert key.masked in listed
    assert Event.objects.filter(action="api_key.created", door="dashboard").exists()


def test_admin_revokes_key(client, admin_member, ledger):
    from reporting.models import ApiKey

    key, secret = ApiKey.issue(account=ledger, livemode=False)
    client.force_login(admin_member)

    client.post(reverse("reporting:api-key-revoke", args=[key.pk]))

    assert ApiKey.objects.authenticate(secret) is None
    assert Event.objects.filter(action="api_key.revoked", object_id=str(key.pk)).exists()


def test_analyst_cannot_manage_keys(analyst_client):
    assert analyst_client.get(reverse("reporting:api-keys")).status_code == 403


def test_revoke_other_accounts_key_is_404(client, admin_member, ledger):
    from reporting.models import ApiKey

    key, _ = ApiKey.issue(account=AccountFactory(), livemode=False)
    client.force_login(admin_member)

    assert client.post(reverse("reporting:api-key-revoke", args=[key.pk])).status_code == 404


def test_user_without_membership_is_refused(client):
    client.force_login(UserFactory())

    assert client.get(reverse("reporting:run-list")).status_code == 403


# Health


def test_healthz_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_503_when_broker_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert response.json()["database"] == "ok"


def test_healthz_503_when_database_unreachable(client):
    with mock.patch("reporting.views.health._ping_database", side_effect=OSError("down")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "error: OSError"


def test_download_is_named_after_the_days_in_the_users_zone(analyst_client, analyst, account):
    from reporting.models import report_storage

    analyst.timezone = "Europe/Berlin"
    analyst.save()
    name = report_storage().save("t/x.csv", io.BytesIO(b'"a"\n'))
    berlin_october = {"interval_start": 1759269600, "interval_end": 1761951600}  # 2025-10-01 / 11-01 00:00 CEST/CET
    run = ReportRunFactory(account=account, report_type_id="payouts.itemized.1", parameters=berlin_october)
    run.mark_succeeded(result=FileFactory(account=account, storage_name=name, size=4), row_count=0)

    response = analyst_client.get(reverse("reporting:run-download", args=[run.id]))

    assert response["Content-Disposition"] == 'attachment; filename="payouts.itemized.1_2025-10-01_2025-10-31.csv"'
