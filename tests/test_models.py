from __future__ import annotations

import pytest

from reporting.models import InvalidTransition, ReportRun
from tests.factories import FileFactory, ReportRunFactory

pytestmark = pytest.mark.django_db


def test_new_run_id_has_stripe_prefix():
    run = ReportRunFactory()

    assert run.id.startswith("frr_")
    assert len(run.id) == 28


def test_mark_failed_sets_error_and_finished_at():
    run = ReportRunFactory()

    run.mark_failed("Nope")

    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "Nope")
    assert run.finished_at is not None


def test_mark_succeeded_twice_raises():
    run = ReportRunFactory()
    run.mark_succeeded(result=FileFactory(account=run.account), row_count=3)

    with pytest.raises(InvalidTransition):
        run.mark_succeeded(result=FileFactory(account=run.account), row_count=3)


def test_stale_instance_cannot_overwrite_finished_run():
    run = ReportRunFactory()
    stale_copy = ReportRun.objects.get(pk=run.pk)
    run.mark_failed("first")

    with pytest.raises(InvalidTransition):
        stale_copy.mark_succeeded(result=FileFactory(account=run.account), row_count=1)

    run.refresh_from_db()
    assert run.status == "failed"


def test_claim_only_once():
    run = ReportRunFactory()
    other = ReportRun.objects.get(pk=run.pk)

    assert run.claim() is True
    assert other.claim() is False
