"""Writing the simulated ledger: payouts first (transactions refer to them), then balance transactions."""

from __future__ import annotations

from typing import Any

from reporting.bulk import insert_rows
from reporting.demo.records import _Payout, _Txn
from reporting.models import Account, BalanceTransaction, Payout
from reporting.models.ledger import ADDRESS_PARTS

BATCH_SIZE = 2000


class _LedgerWriter:
    """Write one account mode's finished payouts and transactions, chunk by chunk."""

    def __init__(self, account: Account, livemode: bool) -> None:
        self.account = account
        self.livemode = livemode
        self.payout_pks: dict[str, int] = {}  # Stripe id -> primary key, for the transactions' foreign keys
        self.written = 0

    def write(self, payouts: list[_Payout], txns: list[_Txn]) -> None:
        """Insert these payouts, then these balance transactions; sort both lists in place first."""
        if payouts:
            # In the order the importer creates payouts (reporting.ledger_import.planning), so that
            # payouts arriving together keep their order through an export and import.
            payouts.sort(key=lambda p: (p.effective_at, p.stripe_id))
            created = [
                Payout(
                    account=self.account,
                    livemode=self.livemode,
                    stripe_id=p.stripe_id,
                    amount=p.amount,
                    fee=0,
                    currency=p.currency,
                    status=p.status,
                    automatic=p.automatic,
                    created=p.created,
                    arrival_date=p.arrival_date,
                    effective_at=p.effective_at,
                    reversed_at=p.reversed_at,
                    destination_id=p.destination_id,
                    trace_id=p.trace_id,
                    trace_id_status="supported",
                )
                for p in payouts
            ]
            Payout.objects.bulk_create(created, batch_size=BATCH_SIZE)
            if any(p.pk is None for p in created):
                ids = [p.stripe_id for p in payouts]
                self.payout_pks.update(
                    Payout.objects.for_mode(self.account, self.livemode)
                    .filter(stripe_id__in=ids)
                    .values_list("stripe_id", "pk")
                )
            else:
                self.payout_pks.update((p.stripe_id, p.pk) for p in created)
        txns.sort(key=lambda t: (t.created, t.stripe_id))
        rows = [self._fields(t) for t in txns]
        insert_rows(BalanceTransaction, rows)
        self.written += len(rows)

    def _fields(self, t: _Txn) -> dict[str, Any]:
        """Return the balance transaction's column values (attnames); columns left out take their default."""
        fields: dict[str, Any] = {
            "account_id": self.account.pk,
            "livemode": self.livemode,
            "stripe_id": t.stripe_id,
            "type": t.type,
            "reporting_category": t.category,
            "amount": t.amount,
            "fee": t.fee,
            "net": t.net,
            "currency": t.currency,
            "created": t.created,
            "available_on": t.available_on,
            "effective_at": t.effective_at or t.created,
            "description": t.description,
            "source_id": t.source_id,
            "payout_id": self.payout_pks[t.payout] if t.payout else None,
            "automatic_payout_id": self.payout_pks[t.automatic_payout] if t.automatic_payout else None,
            "customer_facing_amount": t.customer_facing_amount,
            "customer_facing_currency": t.currency if t.customer_facing_amount is not None else None,
            "dispute_reason": t.dispute_reason,
            "refund_metadata": t.refund_metadata,
            "transfer_metadata": t.transfer_metadata,
            "destination_payment_id": t.destination_payment,
        }
        if t.connected_account is not None:
            account_id, name, country = t.connected_account
            fields.update(
                connected_account_id=account_id, connected_account_name=name, connected_account_country=country
            )
        charge = t.charge
        if charge is not None:
            customer = charge.customer
            fields.update(
                customer_id=customer.id,
                customer_email=customer.email,
                customer_name=customer.name,
                customer_description=customer.description,
                charge_id=charge.id,
                payment_intent_id=charge.payment_intent_id,
                charge_created=charge.created,
                invoice_id=charge.invoice_id,
                invoice_number=charge.invoice_number,
                subscription_id=charge.subscription_id,
                order_id=charge.order_id,
                payment_method_type="card",
                is_link=charge.is_link,
                card_brand=customer.brand,
                card_funding=customer.funding,
                card_country=customer.country,
                statement_descriptor=charge.statement_descriptor,
                payment_metadata=charge.metadata,
            )
            fields.update(zip(_CUSTOMER_SHIPPING_ADDRESS, customer.shipping, strict=True))
            fields.update(zip(_CUSTOMER_ADDRESS, customer.address, strict=True))
            fields.update(zip(_SHIPPING_ADDRESS, charge.shipping, strict=True))
            fields.update(zip(_CARD_ADDRESS, customer.card_address, strict=True))
        return fields


_CUSTOMER_SHIPPING_ADDRESS = tuple(f"customer_shipping_address_{part}" for part in ADDRESS_PARTS)
_CUSTOMER_ADDRESS = tuple(f"customer_address_{part}" for part in ADDRESS_PARTS)
_SHIPPING_ADDRESS = tuple(f"shipping_address_{part}" for part in ADDRESS_PARTS)
_CARD_ADDRESS = tuple(f"card_address_{part}" for part in ADDRESS_PARTS)
