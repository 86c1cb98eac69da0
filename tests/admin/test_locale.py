"""The admin shows times in the staff user's zone, named, and numbers and dates in their language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reporting.models import BalanceTransaction, ReportRun
from tests.admin.conftest import change_url, changelist_url, succeeded_run
from tests.factories import BalanceTransactionFactory

pytestmark = pytest.mark.django_db

CREATED = datetime(2025, 12, 6, 14, 20, tzinfo=UTC)


@pytest.fixture
def run(account, admin_user):
    admin_user.timezone = "Europe/Berlin"
    admin_user.save()
    run = succeeded_run(account=account)
    ReportRun.objects.filter(pk=run.pk).update(
        created=CREATED, row_count=1_234_567, started_at=CREATED, finished_at=CREATED + timedelta(seconds=12.4)
    )
    return run


@pytest.mark.parametrize(
    ("language", "created", "rows", "duration"),
    [
        ("en-us", "Dec. 6, 2025, 3:20 p.m. CET", "1,234,567", "12.4 s"),
        ("de", "6. Dezember 2025 15:20 CET", "1.234.567", "12,4 s"),
    ],
)
def test_the_run_list_and_page_show_times_in_the_users_zone_named_and_numbers_in_their_language(
    admin_client, admin_user, run, language, created, rows, duration
):
    admin_user.language = language
    admin_user.save()

    listing = admin_client.get(changelist_url(ReportRun)).content.decode()
    detail = admin_client.get(change_url(run)).content.decode()

    # The list's "requested" column holds who and when; "result" rows, size and duration.
    assert f"<br>{created}</td>" in listing
    assert f'<td class="field-outcome">{rows} rows · ' in listing
    assert f" · {duration}</td>" in listing
    assert '<span id="user-timezone">Times in Europe/Berlin.</span>' in listing
    assert f'<div class="readonly">{rows}</div>' in detail
    assert "Times in Europe/Berlin." in detail


def test_the_browsers_language_decides_when_the_user_chose_none(admin_client, run):
    listing = admin_client.get(changelist_url(ReportRun), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "1.234.567" in listing
    assert "6. Dezember 2025 15:20 CET" in listing


def test_ledger_amounts_are_grouped_with_the_languages_separators(admin_client, admin_user, account):
    admin_user.language = "de"
    admin_user.save()
    BalanceTransactionFactory(account=account, currency="usd", amount=123_456_789, fee=0)

    listing = admin_client.get(changelist_url(BalanceTransaction)).content.decode()

    assert ">1.234.567,89<" in listing
