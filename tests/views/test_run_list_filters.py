"""Finding a run: the list's filters and id search, kept across keyset pages and the 2 s poll."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reporting.models import ApiKey, Door, Membership
from tests.factories import BalanceTransactionFactory, FileFactory, MembershipFactory, ReportRunFactory, UserFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
LIST = "/"
BASE = datetime(2025, 3, 10, 12, tzinfo=UTC)


@pytest.fixture
def pat(account):
    return MembershipFactory(account=account, user=UserFactory(username="pat", timezone="Europe/Berlin")).user


@pytest.fixture
def member(client, pat):
    client.force_login(pat)
    return client


@pytest.fixture
def key(account):
    return ApiKey.objects.create(account=account, name="Nightly export", prefix="rk_test_ab", last4="wxyz", digest="d")


def shown(body):
    return re.findall(r'<tr id="run-([^"]+)"', body)


def run(account, *, minutes=0, status="pending", **fields):
    made = ReportRunFactory(account=account, created=BASE + timedelta(minutes=minutes), **fields)
    if status == "failed":
        made.mark_failed("x")
    elif status == "succeeded":
        made.mark_succeeded(result=FileFactory(account=account, size=10), row_count=1)
    return made


@pytest.fixture
def runs(account, pat, key):
    return {
        "mine": run(account, minutes=0, status="succeeded", requested_by=pat),
        "api": run(
            account,
            minutes=1,
            status="failed",
            requested_by_key=key,
            requested_via=Door.API,
            report_type_id="payouts.summary.1",
        ),
        "admin": run(account, minutes=2, requested_via=Door.ADMIN),
        # 23:30 UTC is already the next day in Berlin, the user's zone.
        "late": run(account, minutes=11 * 60 + 30, status="failed", requested_by=pat),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"report_type": "payouts.summary.1"}, ["api"]),
        ({"status": "failed"}, ["late", "api"]),
        ({"via": "admin"}, ["admin"]),
        ({"requester": "PAT"}, ["late", "mine"]),
        ({"requester": "nightly export"}, ["api"]),
        ({"status": "failed", "requester": "pat"}, ["late"]),
        ({"from": "2025-03-11"}, ["late"]),  # the Berlin day, not the UTC one
        ({"to": "2025-03-10"}, ["admin", "api", "mine"]),
        ({"from": "2025-03-10", "to": "2025-03-11"}, ["late", "admin", "api", "mine"]),
    ],
)
def test_filters_narrow_the_list(member, runs, query, expected):
    body = member.get(LIST, query).content.decode()

    assert shown(body) == [runs[name].id for name in expected]


def test_search_finds_a_run_by_its_id_or_its_file_id_exactly(member, runs, account):
    other_account_run = run(ReportRunFactory().account)  # never shown, even by its own id
    mine = runs["mine"]

    assert shown(member.get(LIST, {"q": mine.id}).content.decode()) == [mine.id]
    assert shown(member.get(LIST, {"q": f" {mine.result_id} "}).content.decode()) == [mine.id]
    assert shown(member.get(LIST, {"q": mine.id[:-1]}).content.decode()) == []
    assert shown(member.get(LIST, {"q": other_account_run.id}).content.decode()) == []


def test_bad_filters_say_what_to_fix_and_show_no_runs(member, runs):
    response = member.get(LIST, {"q": "june report", "from": "2025-03-12", "to": "2025-03-01"})
    body = response.content.decode()

    assert response.status_code == 400
    assert shown(body) == []
    assert "Search by a run id (frr_…) or a file id (file_…)" in body
    assert "The last day must not be before the first day." in body
    # htmx swaps only 2xx answers: the table it polls says the same with 200.
    response = member.get(LIST, {"q": "june report"}, headers=HX)
    assert response.status_code == 200
    assert "Search by a run id" in response.content.decode()


def test_rows_say_who_asked_and_through_which_door(member, runs):
    body = member.get(LIST).content.decode()

    def row(name):
        text = body[body.index(f'<tr id="run-{runs[name].id}"') :]
        return text[: text.index("</tr>")]

    assert "pat<br>" in row("mine")
    assert "via Dashboard" in row("mine")
    assert "Nightly export<br>" in row("api")
    assert "via API" in row("api")
    assert "via Admin" in row("admin")


def test_the_form_works_without_javascript_and_with_htmx(member, runs):
    body = member.get(LIST, {"status": "failed"}).content.decode()

    form = body[body.index('<form class="run-filters"') :]
    form = form[: form.index("</form>")]
    assert 'method="get"' in form
    assert 'hx-get="/"' in form
    assert 'hx-push-url="true"' in form
    assert '<option value="failed" selected>' in form  # the page shows the filters it applied
    assert 'name="from"' in form
    assert 'name="q"' in form
    table = member.get(LIST, {"status": "failed"}, headers=HX).content.decode()
    assert table.lstrip().startswith('<section id="run-table"')
    assert shown(table) == [runs["late"].id, runs["api"].id]


def test_filters_survive_keyset_pages_and_the_poll(member, account, django_assert_num_queries):
    failed = [run(account, minutes=-i, status="failed") for i in range(22)]  # newest first
    pending = [run(account, minutes=-100 - i) for i in range(3)]  # older, not failed

    first = member.get(LIST, {"status": "failed"}).content.decode()
    older = re.search(r'<a href="\?([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert older == f"status=failed&starting_after={failed[19].id}"
    with django_assert_num_queries(4):  # as without filters: session, user, membership, the page
        second = member.get(f"{LIST}?{older}").content.decode()
    assert shown(second) == [r.id for r in failed[20:]]
    newer = re.search(r'<a href="\?([^"]+)" rel="prev">', second).group(1).replace("&amp;", "&")
    assert newer == f"status=failed&ending_before={failed[20].id}"

    polled = member.get(LIST, {"status": "pending", "via": "dashboard"}, headers=HX).content.decode()
    assert shown(polled) == [r.id for r in pending]
    assert 'hx-get="/?status=pending&amp;via=dashboard"' in polled
    assert 'hx-trigger="every 2s"' in polled


def test_an_unknown_cursor_starts_the_filtered_list_again(member, runs):
    response = member.get(LIST, {"status": "failed", "starting_after": "frr_missing"})

    assert response.status_code == 302
    assert response["Location"] == "/?status=failed"


def test_no_match_says_so_and_offers_all_runs(member, runs):
    body = member.get(LIST, {"via": "cli"}).content.decode()

    assert shown(body) == []
    assert "No test runs match these filters." in body


def test_a_viewer_can_filter_too(client, account, runs):
    viewer = MembershipFactory(account=account, role=Membership.Role.VIEWER).user
    client.force_login(viewer)

    assert shown(client.get(LIST, {"via": "admin"}).content.decode()) == [runs["admin"].id]


def test_run_again_opens_the_form_prefilled(member, account):
    october = run(
        account,
        report_type_id="payouts.itemized.3",
        parameters={
            "interval_start": int(datetime(2025, 10, 1, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()),
            "interval_end": int(datetime(2025, 11, 1, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()),
            "currency": "eur",
            "columns": ["net", "balance_transaction_id"],
        },
    )
    BalanceTransactionFactory(account=account, currency="eur")  # data from March; the watermark: 1 Dec

    page = member.get(october.get_absolute_url()).content.decode()
    links = {
        label: url.replace("&amp;", "&")
        for url, label in re.findall(r'<a class="button" href="([^"]+)">(Run again[^<]*)</a>', page)
    }
    assert set(links) == {"Run again", "Run again for 11/01/2025 – 11/30/2025"}
    assert "start_date=2025-10-01&end_date=2025-10-31" in links["Run again"]

    form = member.get(links["Run again for 11/01/2025 – 11/30/2025"]).content.decode()
    assert re.search(r'<option value="payouts.itemized.3"[^>]* selected', form)
    assert 'value="2025-11-01"' in form
    assert 'value="2025-11-30"' in form
    assert re.search(r'<option value="eur" selected', form)
    ticked = re.findall(r'name="columns" value="([^"]+)"[^>]* checked', form)
    assert ticked == ["net", "balance_transaction_id"]


def test_viewers_get_no_run_again(client, account, runs):
    client.force_login(MembershipFactory(account=account, role=Membership.Role.VIEWER).user)

    assert "Run again" not in client.get(runs["mine"].get_absolute_url()).content.decode()
