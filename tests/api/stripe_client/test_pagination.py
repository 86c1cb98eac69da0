"""Pagination through the client: auto-paging both ways, created filters, has_more at the boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import stripe

from reporting.models import ReportRun
from tests.factories import ReportRunFactory

from .conftest import create_params, unix

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def many_runs(account) -> list[ReportRun]:
    """260 test-mode runs, one per second, oldest first."""
    base = datetime(2025, 6, 1, tzinfo=UTC)
    return [ReportRunFactory(account=account, created=base + timedelta(seconds=i)) for i in range(260)]


def test_auto_paging_forward_sees_every_run_newest_first(sc, many_runs):
    listed = sc.v1.reporting.report_runs.list({"limit": 100})

    ids = [run.id for run in listed.auto_paging_iter()]

    assert listed.has_more is True
    assert listed.url == "/v1/reporting/report_runs"
    assert len(ids) == len(set(ids)) == 260
    assert ids == [run.id for run in reversed(many_runs)]


def test_auto_paging_backward_from_the_oldest(sc, many_runs):
    listed = sc.v1.reporting.report_runs.list({"limit": 100, "ending_before": many_runs[0].id})

    ids = [run.id for run in listed.auto_paging_iter()]

    assert len(ids) == len(set(ids)) == 259
    assert ids == [run.id for run in many_runs[1:]]


def test_auto_paging_with_the_legacy_api(legacy, many_runs):
    ids = [run.id for run in stripe.reporting.ReportRun.list(limit=100).auto_paging_iter()]

    assert ids == [run.id for run in reversed(many_runs)]


def test_created_filters(sc, many_runs):
    pivot = many_runs[200]
    t = unix(pivot.created)

    gte = [r.id for r in sc.v1.reporting.report_runs.list({"created": {"gte": t}, "limit": 7}).auto_paging_iter()]
    gt = [r.id for r in sc.v1.reporting.report_runs.list({"created": {"gt": t}, "limit": 100}).auto_paging_iter()]
    window = sc.v1.reporting.report_runs.list({"created": {"gte": t - 5, "lt": t}, "limit": 100})
    exact = sc.v1.reporting.report_runs.list({"created": t})

    assert gte == [r.id for r in reversed(many_runs[200:])]
    assert gt == [r.id for r in reversed(many_runs[201:])]
    assert [r.id for r in window.data] == [r.id for r in reversed(many_runs[195:200])]
    assert [r.id for r in exact.data] == [pivot.id]
    assert exact.has_more is False


def test_created_filter_accepts_datetimes_and_pages_backward(sc, many_runs):
    pivot = many_runs[250]

    forward = sc.v1.reporting.report_runs.list({"created": {"gte": pivot.created}, "limit": 4})
    backward = sc.v1.reporting.report_runs.list(
        {"created": {"gte": pivot.created}, "limit": 4, "ending_before": many_runs[200].id}
    )

    assert [r.id for r in forward.auto_paging_iter()] == [r.id for r in reversed(many_runs[250:])]
    assert [r.id for r in backward.auto_paging_iter()] == [r.id for r in many_runs[250:]]


def test_created_filters_on_runs_created_through_the_api(sc):
    run = sc.v1.reporting.report_runs.create(create_params())

    exact = sc.v1.reporting.report_runs.list({"created": run.created})
    lte = sc.v1.reporting.report_runs.list({"created": {"lte": run.created}})
    lt = sc.v1.reporting.report_runs.list({"created": {"lt": run.created}})
    gt = sc.v1.reporting.report_runs.list({"created": {"gt": run.created}})

    assert [r.id for r in exact.data] == [run.id]
    assert [r.id for r in lte.data] == [run.id]
    assert lt.data == []
    assert gt.data == []


def test_has_more_is_exact_at_the_page_boundary(sc, account):
    base = datetime(2025, 6, 1, tzinfo=UTC)
    runs = [ReportRunFactory(account=account, created=base + timedelta(seconds=i)) for i in range(3)]

    exactly_three = sc.v1.reporting.report_runs.list({"limit": 3})
    oldest = ReportRunFactory(account=account, created=base - timedelta(seconds=1))
    four = sc.v1.reporting.report_runs.list({"limit": 3})
    after_last = sc.v1.reporting.report_runs.list({"limit": 3, "starting_after": runs[0].id})
    before_oldest = sc.v1.reporting.report_runs.list({"limit": 3, "ending_before": oldest.id})

    assert [r.id for r in exactly_three.data] == [r.id for r in reversed(runs)]
    assert exactly_three.has_more is False
    assert four.has_more is True
    assert len(after_last.data) == 1
    assert after_last.has_more is False
    assert [r.id for r in before_oldest.data] == [r.id for r in reversed(runs)]
    assert before_oldest.has_more is False


def test_paging_through_runs_created_in_the_same_second(sc, account):
    same = datetime(2025, 6, 1, tzinfo=UTC)
    runs = [ReportRunFactory(account=account, created=same) for _ in range(25)]
    newest = ReportRunFactory(account=account, created=same + timedelta(seconds=1))

    forward = [r.id for r in sc.v1.reporting.report_runs.list({"limit": 4}).auto_paging_iter()]
    backward = [
        r.id for r in sc.v1.reporting.report_runs.list({"limit": 4, "ending_before": forward[-1]}).auto_paging_iter()
    ]

    assert forward[0] == newest.id
    assert sorted(forward) == sorted([r.id for r in runs] + [newest.id])
    assert len(set(forward)) == 26
    assert backward == list(reversed(forward[:-1]))
