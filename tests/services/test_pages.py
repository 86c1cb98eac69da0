"""services.newest_first: keyset pages newest first, the one paginator of the API and the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reporting import services
from reporting.models import BalanceTransaction, ReportRun
from tests.factories import AccountFactory, BalanceTransactionFactory, ReportRunFactory

pytestmark = pytest.mark.django_db

BASE = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def runs(account):
    # Pairs share a timestamp: ties are broken by id.
    made = [ReportRunFactory(account=account, created=BASE + timedelta(seconds=i // 2)) for i in range(7)]
    return [r.id for r in sorted(made, key=lambda r: (r.created, r.id), reverse=True)]


def page(**kwargs):
    found = services.newest_first(ReportRun.objects.all(), limit=3, **kwargs)
    return [r.id for r in found.items], found.has_more


def test_pages_walk_older_then_newer_without_gaps(runs):
    first = page()
    second = page(starting_after=first[0][-1])
    third = page(starting_after=second[0][-1])
    back = page(ending_before=third[0][0])

    assert first == (runs[:3], True)
    assert second == (runs[3:6], True)
    assert third == (runs[6:], False)
    assert back == (runs[3:6], True)
    assert page(ending_before=runs[2]) == (runs[:2], False)


def test_unknown_or_out_of_scope_cursor_is_refused(runs):
    outsider = ReportRunFactory(account=AccountFactory())
    mine = ReportRun.objects.exclude(pk=outsider.pk)

    with pytest.raises(services.UnknownCursor):
        services.newest_first(mine, limit=3, starting_after=outsider.id)
    with pytest.raises(services.UnknownCursor):
        services.newest_first(mine, limit=3, ending_before="frr_missing")


def test_cursor_past_the_last_row_is_an_empty_page_not_an_error(runs):
    assert page(starting_after=runs[-1]) == ([], False)
    assert page(ending_before=runs[0]) == ([], False)


def test_cursor_scope_finds_a_cursor_the_filter_hides(runs):
    newest = ReportRun.objects.get(pk=runs[0])
    older_only = ReportRun.objects.filter(created__lt=newest.created)

    found = services.newest_first(older_only, limit=10, starting_after=runs[0], cursor_scope=ReportRun.objects.all())

    assert [r.id for r in found.items] == runs[1:]


def test_pages_by_another_unique_field_break_ties_by_it(account):
    # Ledger rows: cursors and ties by the Stripe id, unrelated to the surrogate primary key's order.
    made = [
        BalanceTransactionFactory(account=account, stripe_id=f"txn_{name}", created=BASE + timedelta(seconds=i // 3))
        for i, name in enumerate(["c", "a", "e", "b", "f", "d", "g"])
    ]
    rows = BalanceTransaction.objects.all()
    expected = [t.stripe_id for t in sorted(made, key=lambda t: (t.created, t.stripe_id), reverse=True)]

    def page(**kwargs):
        found = services.newest_first(rows, limit=3, id_field="stripe_id", **kwargs)
        return [t.stripe_id for t in found.items], found.has_more

    first = page()
    second = page(starting_after=first[0][-1])
    back = page(ending_before=second[0][0])

    assert first == (expected[:3], True)
    assert second == (expected[3:6], True)
    assert back == (expected[:3], False)
    assert page(starting_after=second[0][-1]) == (expected[6:], False)
    with pytest.raises(services.UnknownCursor):
        page(starting_after="txn_missing")
