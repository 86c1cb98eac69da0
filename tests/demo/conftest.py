"""One generated demo ledger shared by every module of this package (none has transactional tests), and snapshots."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reporting.demo import generate_ledger
from reporting.models import BalanceTransaction, Payout
from tests.conftest import module_transaction
from tests.factories import AccountFactory

END = datetime(2025, 6, 1, tzinfo=UTC)
ROWS = 3000


# Every stored field of a balance transaction, payouts named by their Stripe ids.
TXN_FIELDS = [
    f.attname
    for f in BalanceTransaction._meta.concrete_fields
    if f.attname not in {"id", "account_id", "payout_id", "automatic_payout_id"}
]


def ledger_snapshot(account, livemode=False):
    txns = BalanceTransaction.objects.for_mode(account, livemode).order_by("stripe_id")
    payouts = Payout.objects.for_mode(account, livemode).order_by("stripe_id")
    return (
        list(txns.values_list(*TXN_FIELDS, "payout__stripe_id", "automatic_payout__stripe_id")),
        list(payouts.values_list("stripe_id", "amount", "currency", "status", "automatic", "effective_at")),
    )


@pytest.fixture(scope="package")
def ledger_account(django_db_setup, django_db_blocker):
    """One generated ledger for the package's tests, which only read it (built once: ~1 s a copy)."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            account = AccountFactory(name="Generated")
            generate_ledger(account=account, livemode=False, rows=ROWS, seed=7, end=END)
        yield account


@pytest.fixture(scope="package")
def txns(ledger_account, django_db_blocker):
    with django_db_blocker.unblock():
        rows = BalanceTransaction.objects.for_mode(ledger_account, False).select_related("payout", "automatic_payout")
        return list(rows.order_by("effective_at", "id"))
