"""Hand-made ledger rows for the report tests: transactions, payouts and the links between them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reporting.models import Account, BalanceTransaction, Payout
from tests.factories import BalanceTransactionFactory, PayoutFactory

# Balance-transaction type for each reporting category used here.
TYPES = {
    "charge": "charge",
    "refund": "refund",
    "fee": "stripe_fee",
    "dispute": "adjustment",
    "other_adjustment": "adjustment",
    "payout": "payout",
    "payout_reversal": "payout_failure",
}


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def txn(
    account: Account,
    stripe_id: str,
    category: str,
    created: datetime,
    amount: int,
    fee: int,
    currency: str,
    description: str | None,
    *,
    available_on: datetime | None = None,
    effective_at: datetime | None = None,
    automatic_payout: Payout | None = None,
    livemode: bool = False,
    **sources: Any,
) -> BalanceTransaction:
    return BalanceTransactionFactory(
        account=account,
        livemode=livemode,
        stripe_id=stripe_id,
        type=TYPES[category],
        reporting_category=category,
        amount=amount,
        fee=fee,
        currency=currency,
        created=created,
        available_on=available_on or created,
        effective_at=effective_at or created,
        description=description,
        automatic_payout=automatic_payout,
        **sources,
    )


def payout(
    account: Account,
    stripe_id: str,
    amount: int,
    currency: str,
    created: datetime,
    arrival: datetime,
    *,
    automatic: bool,
    status: str = "paid",
    reversed_at: datetime | None = None,
    destination_id: str = "",
    trace_id: str = "",
    trace_id_status: str = "",
) -> Payout:
    return PayoutFactory(
        account=account,
        stripe_id=stripe_id,
        amount=amount,
        currency=currency,
        created=created,
        arrival_date=arrival,
        automatic=automatic,
        effective_at=arrival if automatic else created,
        status=status,
        reversed_at=reversed_at,
        destination_id=destination_id,
        trace_id=trace_id,
        trace_id_status=trace_id_status,
    )


def payout_txn(
    account: Account, stripe_id: str, po: Payout, *, description: str = "STRIPE PAYOUT", **sources: Any
) -> BalanceTransaction:
    """A payout's own transaction: dated when its funds leave the balance."""
    bt = txn(
        account,
        stripe_id,
        "payout",
        po.created,
        -po.amount,
        0,
        po.currency,
        description,
        available_on=po.effective_at,
        effective_at=po.effective_at,
        **sources,
    )
    return _link(bt, po)


def reversal_txn(account: Account, stripe_id: str, po: Payout, when: datetime, **sources: Any) -> BalanceTransaction:
    """A failed payout's funds coming back, dated when they came back."""
    bt = txn(
        account,
        stripe_id,
        "payout_reversal",
        when,
        po.amount,
        0,
        po.currency,
        "Payout failure",
        **sources,
    )
    return _link(bt, po)


def _link(bt: BalanceTransaction, po: Payout) -> BalanceTransaction:
    # The ledger is append-only (save() refuses edits), so set the link with an UPDATE.
    BalanceTransaction.objects.filter(pk=bt.pk).update(payout=po, source_id=po.stripe_id)
    return bt
