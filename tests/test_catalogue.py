"""The translation catalogue is complete: every word a dashboard page shows is marked, and locale/ holds every one.

A pseudo-translation proves the first: the committed German catalogue with every
msgstr set to its msgid between ⟦ and ⟧ (GNU gettext's msgen, msgfilter and
msgfmt), activated for a user, turns every marked string into ⟦…⟧; whatever a page
still shows outside the brackets is either data (names, ids, amounts, times,
column and category names) or a string nobody marked. Running `manage.py messages`
on a copy of the sources proves the second: it finds no string locale/ lacks.

Needs GNU gettext's tools (xgettext, msgmerge, msguniq, msgen, msgfilter, msgfmt):
Debian's `gettext` package, which .ci/run installs.
"""

from __future__ import annotations

import gettext
import json
import re
import shutil
import subprocess
import zoneinfo
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from reporting import tasks
from reporting.categories import REPORTING_CATEGORIES
from reporting.models import Door, ReportRun, Schedule, ScheduledRun
from reporting.reports import REPORT_TYPES
from reporting.services import webhooks
from reporting.services.caller import Caller
from reporting.sources.stripe.client import REQUIRED_ACCESS
from reporting.templatetags.reporting import in_words
from tests.factories import BalanceTransactionFactory, PayoutFactory, ReportRunFactory

CATALOGUE = settings.BASE_DIR / "locale" / "de" / "LC_MESSAGES" / "django.po"
OPEN, CLOSE = "⟦", "⟧"
# Text a page shows that is data, not words of the page: what the user, the ledger or the
# registry named (the registry's names are the API's too), and machine-shaped tokens.
CODE_LIKE = re.compile(r"[\w.+-]*[_\d@/.:][\w.+@/:-]*|[A-Z]{2,5}|[a-z]{3}_\w*")
BRAND = {"reporting", "Stripe"}


def msgids(po: str) -> set[tuple[str, str]]:
    """The (context, msgid) pairs of a .po file's text."""
    found = set()
    for entry in po.split("\n\n"):
        context = "".join(re.findall(r'^msgctxt "(.*)"$', entry, re.M))
        lines = re.search(r'^msgid (".*"(?:\n".*")*)', entry, re.M)
        if lines:
            text = "".join(re.findall(r'"(.*)"', lines.group(1)))
            if text:
                found.add((context, text))
    return found


def pseudo_catalogue(directory: Path) -> Path:
    """The committed catalogue, every msgstr its msgid in ⟦⟧, compiled under directory/de/LC_MESSAGES."""
    target = directory / "de" / "LC_MESSAGES"
    target.mkdir(parents=True)
    english = subprocess.run(["msgen", str(CATALOGUE)], check=True, capture_output=True).stdout
    marked = subprocess.run(
        ["msgfilter", "--keep-header", "sed", "-e", f"1s/^/{OPEN}/", "-e", f"$s/$/{CLOSE}/"],
        input=english,
        check=True,
        capture_output=True,
    ).stdout
    (target / "django.po").write_bytes(marked)
    subprocess.run(["msgfmt", "-o", str(target / "django.mo"), str(target / "django.po")], check=True)
    return directory


class VisibleText(HTMLParser):
    """The page's text, in order, and the attributes people read (aria-label, placeholder, title, alt, and
    data-label: a stacked table's column name on a phone, shown by app.css).

    Not code, scripts, or the cells of a preview's table (the run's file: data).
    """

    SKIPPED = {"script", "style", "code", "pre"}
    INLINE = {"a", "abbr", "b", "code", "em", "i", "label", "small", "span", "strong", "time"}
    READ_ATTRIBUTES = {"aria-label", "placeholder", "title", "alt", "data-label"}

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.attributes: list[str] = []
        self.skipping = 0
        self.tables: list[bool] = []  # for each open table: is it a preview's

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append("preview-table" in (dict(attrs).get("class") or ""))
        if tag in self.SKIPPED or (tag == "tbody" and self.tables and self.tables[-1]):
            self.skipping += 1
        if tag not in self.INLINE or tag == "code":
            self.text.append(" ")  # cells and blocks are separate words; code inside a sentence is data
        self.attributes += [value for name, value in attrs if name in self.READ_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED or (tag == "tbody" and self.tables and self.tables[-1]):
            self.skipping -= 1
        if tag == "table" and self.tables:
            self.tables.pop()
        if tag not in self.INLINE:
            self.text.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.text.append(data)


def untranslated(html: str, data: set[str]) -> list[str]:
    """The words of `html` outside ⟦⟧ that are not data, each with the text around it.

    The text is read as one stream, since a translated sentence may hold elements
    (a <time>, a link); each attribute is read on its own.
    """
    parser = VisibleText()
    parser.feed(html)
    left = []
    values = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(data, key=len, reverse=True))) + r")(?!\w)")
    for chunk in ["".join(parser.text), *parser.attributes]:
        rest = chunk
        while (inner := re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", rest)) != rest:
            rest = inner  # innermost first: a translated word may sit in a translated sentence
        rest = values.sub(" ", rest)
        for match in re.finditer(r"[^\s,;()“”\"'’…–—·←→↑↓]+", CODE_LIKE.sub(" ", rest)):
            word = match.group()
            if re.search("[A-Za-z]", word) and word not in BRAND:
                around = " ".join(rest[max(0, match.start() - 40) : match.end() + 40].split())
                left.append(f"{word!r} in {around!r}")
    return left


def timezone_names() -> set[str]:
    return set(zoneinfo.available_timezones())


def django_german() -> set[str]:
    """Django's own German strings (a form field's "required", a file size's unit): translated, though not by us."""
    catalogue = Path(django.__file__).parent / "conf" / "locale" / "de" / "LC_MESSAGES" / "django.mo"
    with catalogue.open("rb") as mo:
        strings = gettext.GNUTranslations(mo)._catalog.values()
    # Each string, and the words around its placeholders ("%(size)d Bytes": "Bytes").
    pieces = (re.split(r"%\(\w+\)[sd]|%[sd]", s) for s in strings if isinstance(s, str))
    return {piece.strip() for split in pieces for piece in split if len(piece.strip()) > 2}


@pytest.fixture
def pseudo_german(tmp_path):
    with override_settings(LOCALE_PATHS=[pseudo_catalogue(tmp_path)]):
        yield


@pytest.fixture
def pages(client, account, admin_member, pseudo_german):
    """Every dashboard page, with data on it, for an account admin who reads German (the pseudo-translation)."""
    admin_member.language, admin_member.timezone = "de", "Europe/Berlin"
    admin_member.save()
    client.force_login(admin_member)
    for day in (2, 3):
        BalanceTransactionFactory(account=account, created=datetime(2025, 9, day, 12, tzinfo=UTC), amount=123_456)
    payout = PayoutFactory(account=account)
    september = {
        "interval_start": int(datetime(2025, 9, 1, tzinfo=UTC).timestamp()),
        "interval_end": int(datetime(2025, 10, 1, tzinfo=UTC).timestamp()),
    }
    runs = {}
    for kind in (
        "balance.summary.1",
        "balance_change_from_activity.summary.1",
        "balance_change_from_activity.itemized.3",
    ):
        runs[kind] = ReportRunFactory(
            account=account, report_type_id=kind, parameters=september, requested_by=admin_member
        )
        tasks.run_report(runs[kind].pk)
    failed = ReportRunFactory(account=account, parameters=september)
    failed.mark_failed("No data.")
    pending = ReportRunFactory(account=account, parameters=september)
    schedule = Schedule.objects.create(
        account=account,
        livemode=False,
        name="Month-end balance",
        owner=admin_member,
        report_type_id="balance.summary.1",
        period="last_month",
        cadence="monthly",
        day_of_month=31,
        time_of_day=time(7, 30),
        timezone="America/New_York",
        next_due_at=datetime(2025, 10, 31, 11, 30, tzinfo=UTC),
    )
    # Its history: one occurrence that ran (a row of the history table, with its cells' labels).
    ScheduledRun.objects.create(
        schedule=schedule,
        due_at=datetime(2025, 9, 30, 11, 30, tzinfo=UTC),
        status=ScheduledRun.Status.REQUESTED,
        run=runs["balance.summary.1"],
    )
    endpoint, _ = webhooks.create_endpoint(
        Caller(account, False, Door.API), url="https://hooks.example.com/in", enabled_events=["*"]
    )
    urls = [
        reverse("reporting:run-list"),
        reverse("reporting:run-list") + "?status=nonsense",
        reverse("reporting:run-create"),
        reverse("reporting:run-create") + "?report_type=ending_balance_reconciliation.summary.1",
        reverse("reporting:run-create") + "?report_type=payout_reconciliation.by_id.itemized.4",
        reverse("reporting:report-types"),
        reverse("reporting:payout-search") + "?report_type=payout_reconciliation.by_id.itemized.4",
        reverse("reporting:api-keys"),
        reverse("reporting:account-settings"),
        reverse("reporting:schedule-list"),
        reverse("reporting:sources"),
        reverse("reporting:webhooks"),
        reverse("reporting:webhook-detail", args=[endpoint.id]),
        *(run.get_absolute_url() for run in [*runs.values(), failed, pending]),
    ]
    shown = {url: client.get(url) for url in urls}
    shown["the endpoint's delete page"] = client.post(reverse("reporting:webhook-delete", args=[endpoint.id]))
    shown["the form with errors"] = client.post(reverse("reporting:run-create"), {"report_type": "balance.summary.1"})
    shown["the schedule's page"] = client.get(schedule.get_absolute_url())
    # Live mode last: the switch asks first (a page), then the run list has its live banner and badge.
    switch = reverse("reporting:switch-mode")
    shown["the switch to live mode's question"] = client.post(switch, {"mode": "live"})
    client.post(switch, {"mode": "live", "confirm": "yes"})
    ReportRunFactory(account=account, livemode=True, parameters=september)
    shown["the run list in live mode"] = client.get(reverse("reporting:run-list"))
    data = {admin_member.get_username(), account.name, payout.stripe_id, endpoint.url, "No data.", schedule.name}
    # The names Stripe's dashboard gives a restricted key's permissions, quoted as Stripe writes them;
    # each language's name in itself; what the filter test typed; Django's words for the sync's interval.
    data |= set(REQUIRED_ACCESS) | {name for _, name in settings.LANGUAGES} | {"nonsense"}
    with translation.override("de"):
        data.add(in_words(timedelta(seconds=settings.CELERY_BEAT_SCHEDULE["sync-stripe-sources"]["schedule"])))
    data |= {r.name for r in REPORT_TYPES.values()} | {c.name for r in REPORT_TYPES.values() for c in r.columns}
    data |= set(REPORTING_CATEGORIES) | set(ReportRun.objects.values_list("id", flat=True)) | timezone_names()
    return shown, data | django_german()


@pytest.mark.django_db
def test_every_word_on_every_dashboard_page_is_in_the_catalogue(pages):
    shown, data = pages

    assert {url: r.status_code for url, r in shown.items() if r.status_code not in (200, 400)} == {}
    left = [f"{url}: {word}" for url, r in shown.items() for word in untranslated(r.content.decode(), data)]
    assert not left, "Not in the catalogue:\n" + "\n".join(left)
    # The pseudo-translation is on: the test sees translated words (a catalogue that failed to load shows none).
    assert f"{OPEN}Report runs{CLOSE}" in shown[reverse("reporting:run-list")].content.decode()
    # The column picker's script writes its sentences from the page's JSON data: each is in the catalogue too.
    form = shown[reverse("reporting:run-create") + "?report_type=payout_reconciliation.by_id.itemized.4"]
    words = json.loads(re.search(r'id="column-picker-words"[^>]*>(.*?)</script>', form.content.decode()).group(1))
    assert len(words) > 10
    assert {key: text for key, text in words.items() if (text[0], text[-1]) != (OPEN, CLOSE)} == {}
    # And the pages are the ones meant: the question before live mode, then live mode itself.
    assert f"{OPEN}Switch to live mode?{CLOSE}" in shown["the switch to live mode's question"].content.decode()
    assert f"{OPEN}Live mode: real data{CLOSE}" in shown["the run list in live mode"].content.decode()


def test_the_catalogue_in_locale_holds_every_marked_string(tmp_path, monkeypatch):
    for part in ("reporting", "templates"):
        shutil.copytree(settings.BASE_DIR / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)

    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("messages", verbosity=0)

    fresh = msgids((tmp_path / "locale" / "de" / "LC_MESSAGES" / "django.po").read_text())
    committed = msgids(CATALOGUE.read_text())
    assert fresh - committed == set(), "run `make messages` and commit locale/"
    assert committed - fresh == set(), "run `make messages` and commit locale/"
    assert len(fresh) > 200
