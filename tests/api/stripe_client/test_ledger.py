"""Balance transactions and payouts through the official client: auto-paging over the ledger, filters,
expanded sources, payouts with their failures, isolation and refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import stripe
from django.db.models import Q

from reporting.demo import generate_ledger
from reporting.models import ApiKey, BalanceTransaction, Payout
from tests.factories import AccountFactory

from .conftest import make_client, unix

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

END = datetime(2025, 6, 1, tzinfo=UTC)
SOURCE_PATHS = ["data.source", "data.source.charge", "data.source.customer", "data.source.destination"]


@pytest.fixture
def ledger(account):
    """About 400 generated test-mode transactions (charges, refunds, disputes, transfers, payouts, one failed)."""
    generate_ledger(account=account, livemode=False, rows=400, seed=5, end=END)
    return account


@pytest.fixture
def client(live_server, test_secret, ledger) -> stripe.StripeClient:
    return make_client(live_server, test_secret)


def newest_first(account, *filters, **kwargs):
    rows = BalanceTransaction.objects.for_mode(account, False).filter(*filters, **kwargs)
    return list(rows.order_by("-created", "-stripe_id").values_list("stripe_id", flat=True))


def test_auto_paging_lists_the_ledger_and_filters_it(client, ledger):
    every = newest_first(ledger)
    settled = Payout.objects.filter(account=ledger, automatic=True, status="paid").order_by("created")[3]
    refund = BalanceTransaction.objects.filter(account=ledger, type="refund").first()
    since, until = (BalanceTransaction.objects.get(account=ledger, stripe_id=every[i]).created for i in (90, 10))

    def listed(**params):
        return [t.id for t in client.v1.balance_transactions.list({"limit": 100, **params}).auto_paging_iter()]

    assert listed() == every
    assert len(every) > 300
    assert listed(created={"gte": unix(since), "lt": unix(until)}) == newest_first(
        ledger, created__gte=since.replace(microsecond=0), created__lt=until.replace(microsecond=0)
    )
    assert listed(type="refund") == newest_first(ledger, type="refund")
    assert listed(currency="eur") == newest_first(ledger, currency="eur")
    assert listed(source=refund.source_id) == [refund.stripe_id]
    paid_out = listed(payout=settled.stripe_id)
    assert paid_out == newest_first(ledger, Q(automatic_payout=settled) | Q(payout=settled, type="payout"))
    assert len(paid_out) > 2


def test_expanded_sources(client, ledger):
    failed = Payout.objects.get(account=ledger, status="failed")
    failure = BalanceTransaction.objects.get(account=ledger, payout=failed, type="payout_failure")

    # The newest of each type, its source expanded (a dispute is an `adjustment`).
    by_type = {
        kind: client.v1.balance_transactions.list({"type": kind, "limit": 1, "expand": SOURCE_PATHS}).data[0]
        for kind in ("charge", "refund", "adjustment", "transfer", "payout", "stripe_fee")
    }
    row = {kind: BalanceTransaction.objects.get(account=ledger, stripe_id=by_type[kind].id) for kind in by_type}

    charge = by_type["charge"].source
    assert isinstance(charge, stripe.Charge)
    assert charge.id == row["charge"].source_id
    assert charge.customer.email == row["charge"].customer_email
    refund = by_type["refund"].source
    assert isinstance(refund, stripe.Refund)
    assert isinstance(refund.charge, stripe.Charge)
    assert refund.charge.id == row["refund"].charge_id
    shallow = client.v1.balance_transactions.list({"type": "refund", "limit": 1, "expand": ["data.source"]}).data[0]
    assert shallow.source.charge == row["refund"].charge_id  # an id unless `data.source.charge` is expanded
    dispute = by_type["adjustment"].source
    assert isinstance(dispute, stripe.Dispute)
    assert dispute.charge.id == row["adjustment"].charge_id
    transfer = by_type["transfer"].source
    assert isinstance(transfer, stripe.Transfer)
    assert transfer.destination.id == row["transfer"].connected_account_id
    payout = by_type["payout"].source
    assert isinstance(payout, stripe.Payout)
    assert (payout.id, payout.amount) == (row["payout"].payout.stripe_id, row["payout"].payout.amount)
    assert by_type["stripe_fee"].source is None
    # The failed payout, from its failure's source, names that failure as Stripe's payout does.
    returned = client.v1.balance_transactions.retrieve(failure.stripe_id, {"expand": ["source"]})
    assert returned.source.status == "failed"
    assert returned.source.failure_balance_transaction == failure.stripe_id
    # Retrieve: `source.charge` expands the source on the way.
    again = client.v1.balance_transactions.retrieve(row["refund"].stripe_id, {"expand": ["source.charge"]})
    assert again.source.charge.customer == row["refund"].customer_id
    assert client.v1.balance_transactions.retrieve(row["refund"].stripe_id).source == row["refund"].source_id


def test_payouts_with_their_failures(client, ledger):
    every = list(Payout.objects.filter(account=ledger).order_by("-created", "-stripe_id"))
    failed = next(p for p in every if p.status == "failed")
    failure = BalanceTransaction.objects.get(account=ledger, payout=failed, type="payout_failure")
    start, end = every[15].arrival_date, every[4].arrival_date

    listed = [p.id for p in client.v1.payouts.list({"limit": 10}).auto_paging_iter()]
    arriving = client.v1.payouts.list({"arrival_date": {"gte": unix(start), "lte": unix(end)}, "limit": 100})
    failures = client.v1.payouts.list({"status": "failed", "expand": ["data.failure_balance_transaction"]})
    paid = client.v1.payouts.list({"status": "paid", "limit": 100}).auto_paging_iter()
    retrieved = client.v1.payouts.retrieve(failed.stripe_id, {"expand": ["failure_balance_transaction"]})

    assert listed == [p.stripe_id for p in every]
    assert [p.id for p in arriving.data] == [
        p.stripe_id for p in every if unix(start) <= unix(p.arrival_date) <= unix(end)
    ]
    assert len(arriving.data) >= 12
    assert [p.id for p in failures.data] == [failed.stripe_id]
    assert isinstance(failures.data[0].failure_balance_transaction, stripe.BalanceTransaction)
    assert failures.data[0].failure_balance_transaction.id == failure.stripe_id
    assert {p.id for p in paid} == {p.stripe_id for p in every} - {failed.stripe_id}
    assert retrieved.failure_balance_transaction.type == "payout_failure"
    assert retrieved.failure_balance_transaction.amount == failed.amount


def test_other_accounts_and_modes_see_nothing_and_bad_parameters_are_refused(live_server, client, ledger):
    txn = newest_first(ledger)[0]
    payout = Payout.objects.filter(account=ledger).first().stripe_id
    manual = Payout.objects.filter(account=ledger, automatic=False).first().stripe_id
    other = make_client(live_server, ApiKey.issue(account=AccountFactory(), livemode=False)[1])
    live = make_client(live_server, ApiKey.issue(account=ledger, livemode=True)[1])

    for outsider in (other, live):
        for call in (
            lambda c: c.v1.balance_transactions.retrieve(txn),
            lambda c: c.v1.payouts.retrieve(payout),
            lambda c: c.v1.balance_transactions.list({"payout": payout}),
        ):
            with pytest.raises(stripe.InvalidRequestError) as missing:
                call(outsider)
            assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")
        assert outsider.v1.balance_transactions.list().data == []

    for call, param in (
        (lambda: client.v1.balance_transactions.list({"type": "teleport"}), "type"),
        (lambda: client.v1.balance_transactions.list({"payout": manual}), "payout"),
        (lambda: client.v1.balance_transactions.list({"expand": ["data.source.colour"]}), "expand"),
        (lambda: client.v1.payouts.list({"arrival_date": {"after": 1}}), "arrival_date[after]"),
        (lambda: client.v1.payouts.list({"status": "lost"}), "status"),
    ):
        with pytest.raises(stripe.InvalidRequestError) as refused:
            call()
        assert (refused.value.http_status, refused.value.param) == (400, param)
