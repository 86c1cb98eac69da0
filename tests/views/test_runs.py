"""The run list and its polling, the run detail, downloads, and the 404 of every id outside account and mode."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from reporting.models import Event
from tests.factories import AccountFactory, FileFactory, ReportRunFactory
from tests.views.conftest import HX

pytestmark = pytest.mark.django_db


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
