"""Numbers and dates the user's way: their language's separators and day order, their zone named; machines keep theirs.

The language comes from the user's setting, else the browser's Accept-Language,
else en-us. Values meant for machines (the file, the API, form inputs, data
attributes, the run's raw parameters) are the same in every language.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib import import_module

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from reporting import l10n
from reporting.models import ReportRun
from tests.views.test_run_preview import succeeded, txn

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9,en;q=0.5"}
AMERICAN = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


@pytest.fixture
def summary(analyst_client, analyst, account):
    """A succeeded balance summary for September with an activity of 1,234,567.89 USD, seen from Berlin."""
    analyst.timezone = "Europe/Berlin"
    analyst.save()
    txn(account, 2, amount=123_456_789, fee=0)
    run = succeeded(account, "balance.summary.1")
    ReportRun.objects.filter(pk=run.pk).update(created=datetime(2025, 12, 6, 14, 20, tzinfo=UTC), row_count=12_345)
    return run


def page(client, run, **headers):
    return client.get(run.get_absolute_url(), **headers).content.decode()


@pytest.mark.parametrize(
    ("headers", "amount", "count", "created", "start"),
    [
        (AMERICAN, "1,234,567.89", "12,345", "12/06/2025 3:20 p.m. CET", "09/01/2025 2 a.m. CEST"),
        (GERMAN, "1.234.567,89", "12.345", "06.12.2025 15:20 CET", "01.09.2025 02:00 CEST"),
    ],
    ids=["en-us", "de"],
)
def test_the_run_page_writes_amounts_counts_and_times_as_the_browsers_language_does(
    analyst_client, summary, headers, amount, count, created, start
):
    body = page(analyst_client, summary, **headers)

    assert f'<td class="num nowrap">{amount}</td>' in body
    assert f'<dd class="num">{count}</dd>' in body
    assert f'<time datetime="2025-12-06T14:20:00+00:00">{created}</time>' in body
    # The raw parameter stays as the API has it; the time beside it is the user's.
    assert f"<code>{summary.parameters['interval_start']}</code>" in body
    assert f">{start}</time>" in body
    assert "<caption>Balance summary, USD</caption>" in body


def test_the_users_own_language_comes_before_the_browsers(analyst_client, analyst, summary):
    analyst.language = "de"
    analyst.save()

    response = analyst_client.get(summary.get_absolute_url(), **AMERICAN)

    assert response["Content-Language"] == "de"
    assert '<td class="num nowrap">1.234.567,89</td>' in response.content.decode()


def test_a_language_not_offered_falls_back_to_its_family_then_to_the_default(analyst_client, summary):
    austrian = page(analyst_client, summary, HTTP_ACCEPT_LANGUAGE="de-AT")
    japanese = page(analyst_client, summary, HTTP_ACCEPT_LANGUAGE="ja")

    assert "1.234.567,89" in austrian
    assert "1,234,567.89" in japanese


def test_machine_values_stay_unlocalized_in_every_language(analyst_client, analyst, summary, test_secret):
    analyst.language = "de"
    analyst.save()

    form = analyst_client.get(reverse("reporting:run-create")).content.decode()
    download = b"".join(analyst_client.get(reverse("reporting:run-download", args=[summary.id])).streaming_content)
    api = analyst_client.get(
        f"/v1/reporting/report_runs/{summary.id}", HTTP_AUTHORIZATION=f"Bearer {test_secret}", **GERMAN
    )

    # Date inputs hold ISO days: a browser's date input reads no other form.
    assert re.search(r'<input type="date" name="start_date" value="\d{4}-\d{2}-\d{2}"', form), form
    assert "Data available from" in form  # the words stay English: nothing translates them yet
    # The file is Stripe's format: a point, no grouping.
    assert b"1234567.89" in download
    assert b"1.234.567" not in download
    # The API speaks the default language and plain JSON numbers, whatever the browser asks.
    assert api.status_code == 200
    assert api["Content-Language"] == "en-us"
    assert api.json()["parameters"]["interval_start"] == summary.parameters["interval_start"]


def test_the_run_list_names_the_zone_of_each_time(analyst_client, analyst, summary):
    body = analyst_client.get(reverse("reporting:run-list"), **GERMAN).content.decode()

    row = body[body.index(f'<tr id="run-{summary.id}"') :]
    assert '<time datetime="2025-12-06T14:20:00+00:00">06.12.2025 15:20 CET</time>' in row[: row.index("</tr>")]
    # September in UTC, seen from Berlin: not whole days there, so the times show.
    assert "01.09.2025 02:00 CEST – 01.10.2025 02:00 CEST (end excluded)" in row


def test_preferences_save_the_zone_and_language_and_refuse_bad_ones(analyst_client, analyst):
    url = reverse("reporting:preferences")

    saved = analyst_client.post(url, {"timezone": "America/New_York", "language": "en-gb"})
    refused = analyst_client.post(url, {"timezone": "Mars/Olympus", "language": "de"})
    unknown = analyst_client.post(url, {"timezone": "Europe/Berlin", "language": "tlh"})

    analyst.refresh_from_db()
    assert saved.status_code == 302
    assert (analyst.timezone, analyst.language) == ("America/New_York", "en-gb")
    assert refused.status_code == unknown.status_code == 400
    assert "Select a valid choice. Mars/Olympus is not one of the available choices." in refused.content.decode()
    page = analyst_client.get(reverse("reporting:account-settings")).content.decode()
    assert '<option value="en-gb" selected>English (United Kingdom)</option>' in page
    assert '<option value="America/New_York" selected>' in page


@pytest.mark.parametrize(("code", "_name"), settings.LANGUAGES)
def test_every_offered_language_has_formats_that_name_the_zone(code, _name):
    module = import_module(f"reporting.formats.{translation.to_locale(code).replace('_US', '')}.formats")
    moment = datetime(2026, 12, 6, 14, 20, tzinfo=UTC)

    with translation.override(code), timezone.override("Europe/Berlin"):
        shown = l10n.moment(moment)

    assert module.SHORT_DATETIME_FORMAT.endswith(" T")
    assert shown.endswith(" CET"), shown
    assert "2026" in shown


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_amounts_follow_the_currencys_decimals_in_each_language():
    with translation.override("de"):
        assert l10n.minor_amount(-123_456_789, "usd") == "-1.234.567,89"
        assert l10n.minor_amount(1_500_000, "jpy") == "1.500.000"
        assert l10n.minor_amount(1_234_567, "kwd") == "1.234,567"
    with translation.override("en-us"):
        assert l10n.minor_amount(-123_456_789, "usd") == "-1,234,567.89"
        assert l10n.minor_amount(12_345, "xxx") == "12,345"  # unknown currency: the minor units as stored


def test_no_dashboard_word_turns_german_from_djangos_own_catalogue():
    """Until locale/de is translated, a German browser reads the dashboard's words in English.

    Django's own catalogues translate some of the same words ("Password", "Save"): the
    dashboard marks those with a context, so a page in English words (<html lang="en">)
    shows no stray German. The admin's templates may share Django's words: the admin is German there.
    """
    from tests.test_catalogue import CATALOGUE, msgids

    po = CATALOGUE.read_text(encoding="utf-8")
    admin_only = {
        text
        for entry in po.split("\n\n")
        if (refs := re.findall(r"^#: (.*)$", entry, re.M))
        and all("admin" in path for line in refs for path in line.split())
        for text in re.findall(r'^msgid "(.+)"$', entry, re.M)
    }
    with translation.override("de"):
        german = {
            text: shown
            for context, text in msgids(po)
            if text not in admin_only
            and (shown := translation.pgettext(context, text) if context else translation.gettext(text)) != text
        }

    assert german == {}
