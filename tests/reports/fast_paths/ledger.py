"""Writing a random ledger's entries to the database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from reporting.models import BalanceTransaction, Payout
from reporting.models.ledger import METADATA_FIELDS
from tests.factories import BalanceTransactionFactory

from .entries import PayoutEntry, TxnEntry


def build_ledger(account, anchor: datetime, payouts: list[PayoutEntry], txns: list[TxnEntry]) -> list[datetime]:
    """Write the entries; return every time they use (candidate interval edges)."""
    times: list[datetime] = []
    made: list[Payout] = []
    for i, p in enumerate(payouts):
        created = p.created.at(anchor)
        arrival = datetime.combine(created.date() + timedelta(days=p.arrival_days), time(), tzinfo=UTC)
        po = Payout.objects.create(
            account=account,
            livemode=p.livemode,
            stripe_id=f"po_{i}",
            amount=p.amount,
            fee=p.fee,
            currency=p.currency,
            status=p.status,
            automatic=p.automatic,
            type=p.type,
            created=created,
            arrival_date=arrival,
            effective_at=arrival if p.automatic else created,
            reversed_at=p.reversed_at.at(anchor) if p.reversed_at else None,
            description=p.description,
            destination_id=p.destination_id,
            trace_id=p.trace_id,
            trace_id_status=p.trace_id_status,
        )
        made.append(po)
        times += [created, po.effective_at]
        if p.with_txn:
            bt = BalanceTransactionFactory(
                account=account,
                livemode=p.livemode,
                stripe_id=f"txn_po_{i}",
                type="payout",
                reporting_category="payout",
                amount=-p.amount,
                fee=p.fee,
                net=-p.amount - p.fee,
                currency=p.currency,
                created=created,
                available_on=po.effective_at,
                effective_at=po.effective_at,
                description=p.txn_description,
            )
            # The ledger is append-only (save() refuses edits): link with an UPDATE.
            BalanceTransaction.objects.filter(pk=bt.pk).update(payout=po, source_id=po.stripe_id)
        if p.reversal_hours is not None:
            back = po.effective_at + timedelta(hours=p.reversal_hours, microseconds=p.created.micro)
            bt = BalanceTransactionFactory(
                account=account,
                livemode=p.livemode,
                stripe_id=f"txn_rev_{i}",
                type="payout_failure",
                reporting_category="payout_reversal",
                amount=p.amount,
                fee=0,
                net=p.amount,
                currency=p.currency,
                created=back,
                available_on=back,
                effective_at=back,
                description="Payout failure",
            )
            BalanceTransaction.objects.filter(pk=bt.pk).update(payout=po)
            times.append(back)
    for i, t in enumerate(txns):
        created = times[t.tie % len(times)] if t.tie is not None and times else t.created.at(anchor)
        if t.available_days is None:
            available_on = created
        else:
            available_on = datetime.combine(created.date() + timedelta(days=t.available_days), time(), tzinfo=UTC)
        bt = BalanceTransactionFactory(
            account=account,
            livemode=t.livemode,
            stripe_id=f"txn_{i}{t.id_suffix}",
            type=t.category,
            reporting_category=t.category,
            amount=t.amount,
            fee=t.fee,
            net=t.amount - t.fee,
            currency=t.currency,
            created=created,
            available_on=available_on,
            effective_at=created,
            description=t.description,
            source_id=t.source_id,
            customer_facing_amount=t.customer_facing[0],
            customer_facing_currency=t.customer_facing[1],
            customer_id=t.customer_id,
            customer_email=t.customer_email,
            charge_id=t.charge_id,
            payment_method_type=t.payment_method_type,
            card_brand=t.card_brand,
            card_country=t.card_country,
            dispute_reason=t.dispute_reason,
            charge_created=t.charge_created.at(anchor) if t.charge_created else None,
            is_link=t.is_link,
            application_fee=t.application_fee,
            **dict(zip(METADATA_FIELDS, t.metadata, strict=True)),
            **{name: _fit(name, value) for name, value in t.sources.items()},
        )
        # A transaction's payouts are in its account and mode (composite foreign keys).
        same_mode = [po for po in made if po.livemode == t.livemode]
        if t.automatic_payout is not None and same_mode:
            settled_by = same_mode[t.automatic_payout % len(same_mode)]
            BalanceTransaction.objects.filter(pk=bt.pk).update(automatic_payout=settled_by)
        times.append(created)
    return times


def _fit(name: str, value: str | None) -> str | None:
    return None if value is None else value[: BalanceTransaction._meta.get_field(name).max_length]
