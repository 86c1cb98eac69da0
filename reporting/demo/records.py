"""What the simulation keeps about customers, charges, balance transactions and payouts until they are written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reporting.models import Payout
from reporting.models.ledger import ADDRESS_PARTS

# line1, line2, city, state, postal_code, country; all None when there is no address.
Address = tuple[str | None, ...]
_NO_ADDRESS: Address = (None,) * len(ADDRESS_PARTS)


@dataclass(slots=True)
class _Customer:
    id: str
    email: str
    name: str
    description: str | None
    brand: str
    funding: str
    country: str
    card_address: Address  # the card's billing address
    address: Address  # the customer object's address
    shipping: Address  # the customer object's shipping address
    invoice_prefix: str
    invoices: int = 0
    subscription_id: str | None = None


@dataclass(slots=True)
class _Charge:
    """Hold a charge's details, which its refunds and disputes repeat."""

    id: str
    customer: _Customer
    payment_intent_id: str
    created: datetime
    description: str
    is_link: bool
    statement_descriptor: str
    shipping: Address = _NO_ADDRESS
    invoice_id: str | None = None
    invoice_number: str | None = None
    subscription_id: str | None = None
    order_id: str | None = None  # the Stripe Orders order it paid for
    metadata: dict[str, str] | None = None


@dataclass(slots=True)
class _Txn:
    stripe_id: str
    type: str
    category: str
    amount: int
    fee: int
    currency: str
    created: datetime
    available_on: datetime
    description: str | None
    source_id: str = ""
    effective_at: datetime | None = None  # None: created
    payout: str | None = None  # Stripe id of the payout this moves
    automatic_payout: str | None = None  # Stripe id of the payout that settled it
    charge: _Charge | None = None
    customer_facing_amount: int | None = None
    dispute_reason: str | None = None
    refund_metadata: dict[str, str] | None = None
    transfer_metadata: dict[str, str] | None = None
    connected_account: tuple[str, str, str] | None = None  # id, name, country
    destination_payment: str | None = None  # a transfer's payment (`py_`) on the connected account

    @property
    def net(self) -> int:
        return self.amount - self.fee


@dataclass(slots=True)
class _Payout:
    stripe_id: str
    amount: int
    currency: str
    automatic: bool
    created: datetime
    arrival_date: datetime
    effective_at: datetime
    destination_id: str
    trace_id: str
    status: str = Payout.Status.PAID
    reversed_at: datetime | None = None


@dataclass(slots=True)
class _MonthUsage:
    charges: int = 0
    volume: int = 0
    subscription_volume: int = 0
