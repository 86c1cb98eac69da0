"""The one table both ways: every ledger field a source carries survives ledger -> Stripe object -> ledger."""

from __future__ import annotations

import pytest

from reporting.demo import load_demo
from reporting.models import BalanceTransaction, Payout
from reporting.sources.stripe import objects
from reporting.sources.stripe.sync import EXPAND

pytestmark = pytest.mark.django_db

FULL = [path.removeprefix("data.") for path in EXPAND]
# Fields the sync works out itself rather than reading from the transaction object.
DERIVED = {"id", "account", "livemode", "effective_at", "payout", "automatic_payout"}


def test_every_demo_transaction_reads_back_field_for_field() -> None:
    load_demo(rows=1500, seed=3)
    txns = list(BalanceTransaction.objects.filter(livemode=False).select_related("payout"))
    fields = [f.attname for f in BalanceTransaction._meta.concrete_fields if f.name not in DERIVED]
    kinds = set()
    for txn in txns:
        obj = objects.balance_transaction(txn, expand=FULL, payout=txn.payout)
        read = objects.transaction_fields(obj)
        assert {name: read.get(name) for name in fields} == {name: getattr(txn, name) for name in fields}, txn
        kinds.add(obj["source"]["object"] if isinstance(obj["source"], dict) else obj["source"])
    # The demo's sources of every kind the reports print details of went through the table.
    assert {"charge", "refund", "dispute", "transfer", "payout", None} <= kinds


def test_payouts_read_back_with_their_failure() -> None:
    load_demo(rows=1500, seed=3)
    payouts = list(Payout.objects.filter(livemode=False))
    failures = {t.payout_id: t for t in BalanceTransaction.objects.filter(livemode=False, type="payout_failure")}
    assert failures, "the demo has a failed payout"
    names = [name for name in objects.payout_fields(objects.payout_object(payouts[0])) if name != "stripe_id"]
    for payout in payouts:
        obj = objects.payout_object(payout, failure=failures.get(payout.pk), expand=["failure_balance_transaction"])
        read = objects.payout_fields(obj)
        assert {n: read[n] for n in names} == {n: getattr(payout, n) for n in names}, payout


def test_expandable_objects_are_ids_unless_expanded() -> None:
    load_demo(rows=300, seed=3)
    refund = BalanceTransaction.objects.filter(livemode=False, type="refund").first()
    assert refund is not None
    assert objects.balance_transaction(refund)["source"] == refund.source_id
    shallow = objects.balance_transaction(refund, expand=["source"])["source"]
    assert shallow["charge"] == refund.charge_id
    deep = objects.balance_transaction(refund, expand=["source", "source.charge"])["source"]
    assert deep["charge"]["id"] == refund.charge_id
    assert deep["charge"]["customer"] == refund.customer_id
    deeper = objects.balance_transaction(refund, expand=["source", "source.charge", "source.charge.customer"])
    assert deeper["source"]["charge"]["customer"]["email"] == refund.customer_email


def test_an_unknown_source_object_is_refused_in_words() -> None:
    obj = {
        "id": "txn_1",
        "type": "charge",
        "reporting_category": "charge",
        "amount": 100,
        "fee": 3,
        "net": 97,
        "currency": "usd",
        "created": 1_700_000_000,
        "available_on": 1_700_000_000,
        "source": {"id": "xyz_1", "object": "mystery"},
    }
    with pytest.raises(objects.UnmappableObject, match="'mystery'"):
        objects.transaction_fields(obj)
