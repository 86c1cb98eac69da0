from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from reporting.models import AppendOnlyError, FileLink, InvalidTransition, ReportRun
from tests.factories import AccountFactory, BalanceTransactionFactory, FileFactory, PayoutFactory, ReportRunFactory

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


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda a, b: ReportRunFactory(account=a, result=FileFactory(account=b)), id="run-file-account"),
        pytest.param(
            lambda a, b: ReportRunFactory(account=a, result=FileFactory(account=a, livemode=True)), id="run-file-mode"
        ),
        pytest.param(
            lambda a, b: BalanceTransactionFactory(account=a, payout=PayoutFactory(account=b)), id="txn-payout"
        ),
        pytest.param(
            lambda a, b: BalanceTransactionFactory(account=a, automatic_payout=PayoutFactory(account=b)),
            id="txn-automatic-payout",
        ),
        pytest.param(
            lambda a, b: FileLink.objects.create(account=a, livemode=False, file=FileFactory(account=b)), id="file-link"
        ),
    ],
)
def test_database_keeps_links_inside_one_account_and_mode(make):
    a, b = AccountFactory(), AccountFactory()

    with pytest.raises(IntegrityError):
        create_and_check(make, a, b)


def create_and_check(make, a, b):
    with transaction.atomic():
        make(a, b)
        if connection.vendor == "postgresql":
            # The composite keys are deferred to commit; check them now.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_ledger_rows_refuse_save_and_delete():
    txn = BalanceTransactionFactory()

    with pytest.raises(AppendOnlyError):
        txn.save()
    with pytest.raises(AppendOnlyError):
        txn.delete()
