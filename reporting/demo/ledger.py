"""The demo ledger generator: deterministic, realistic balance transactions and payouts.

The ledger covers the 13 months (HISTORY_DAYS) before `end`, a UTC midnight:
card charges in usd, eur and jpy with their processing fees, refunds, disputes
(some won back), Stripe fees billed monthly, a few manual adjustments, and
automatic payouts per currency that settle everything available by their
arrival. One automatic payout fails and comes back as a `payout_reversal`,
which a later payout settles. Two manual payouts are taken on Saturdays; like
every other balance movement they are swept into the next automatic payout,
so the balance stays what is still pending. Each month a share of the euro
takings is transferred to a partner's connected account.

Charges carry what the itemized reports' wider versions print: the customer
(name, description, addresses), the card (brand, funding, country, billing
address), the payment intent, invoice and subscription, Link, the statement
descriptor and payment metadata. Refunds and disputes repeat their charge's
details, as Stripe's files do. The demo is not a platform, so application
fees, direct charges and regulatory tags stay empty.
"""

from __future__ import annotations

import gc
import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from reporting.demo.catalogue import (
    _ADJUSTMENTS,
    _BRAND_CUM_WEIGHTS,
    _BRANDS,
    _CAMPAIGNS,
    _CHANNELS,
    _CURRENCIES,
    _CURRENCY_CUM_SHARES,
    _CUSTOMER_DESCRIPTIONS,
    _DISPUTE_RATE,
    _DISPUTE_REASONS,
    _DISPUTE_WON_RATE,
    _FAILED_PAYOUT_RATE,
    _FIRST_NAMES,
    _FUNDING_CUM_WEIGHTS,
    _FUNDINGS,
    _LAST_NAMES,
    _LINK_RATE,
    _MONTH_WEIGHT,
    _PARTNER,
    _PLACES,
    _PLANS,
    _REFUND_RATE,
    _REFUND_REASONS,
    _REVENUE_SHARE_PERMILLE,
    _ROWS_PER_CHARGE,
    _STATEMENT_DESCRIPTOR,
    _WEEKDAY_WEIGHT,
    _Currency,
    _processing_fee,
)
from reporting.ids import ALPHABET
from reporting.models import Account, BalanceTransaction, DataWatermark, Door, Event, Payout
from reporting.models.ledger import ADDRESS_PARTS

HISTORY_DAYS = 396  # 13 months
BATCH_SIZE = 2000
# Finished rows are written in chunks of about this many, so memory stays
# bounded however many rows are asked for.
FLUSH_ROWS = 20_000

_DAY = timedelta(days=1)
# Maps a random byte to a base62 character (the first 8 characters come up a
# little more often, which no one reading an id can tell).
_BASE62 = bytes(ord(ALPHABET[i % len(ALPHABET)]) for i in range(256))


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
    """A charge's details, which its refunds and disputes repeat."""

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


def utc_midnight(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _charge_amount(rng: random.Random, currency: _Currency) -> int:
    major = rng.lognormvariate(math.log(currency.median), 0.8)
    if currency.unit == 1:
        return max(50, int(major / 10) * 10)  # yen prices end in a zero
    return max(1, int(major)) * 100 - rng.choice((0, 0, 0, 1, 5, 50))


def _schedule(charges_per_week: float) -> str:
    if charges_per_week >= 100:
        return "daily"
    if charges_per_week >= 7:
        return "weekly"
    return "monthly"


def _is_payout_day(schedule: str, day: datetime) -> bool:
    if schedule == "daily":
        return day.weekday() < 5
    if schedule == "weekly":
        return day.weekday() == 0
    return day.day == 1


class _LedgerBuilder:
    """Simulate the account day by day and write finished rows as it goes."""

    def __init__(self, *, account: Account, livemode: bool, rows: int, seed: int, end: datetime) -> None:
        self.account = account
        self.livemode = livemode
        self.rng = random.Random(seed)
        self.end = end
        self.start = end - timedelta(days=HISTORY_DAYS)
        self.heap: list[tuple[datetime, int, Callable[[datetime], None]]] = []
        self.seq = 0
        # Unsettled transactions per currency; their nets sum to the balance.
        self.pool: dict[str, list[_Txn]] = {c.code: [] for c in _CURRENCIES}
        self.balance: dict[str, int] = {c.code: 0 for c in _CURRENCIES}
        self.usage: dict[str, _MonthUsage] = {c.code: _MonthUsage() for c in _CURRENCIES}
        self.customers: dict[str, list[_Customer]] = {c.code: [] for c in _CURRENCIES}
        self.done: list[_Txn] = []
        self.new_payouts: list[_Payout] = []
        self.payout_pks: dict[str, int] = {}
        self.written = 0
        self.failed_any = False
        self.order_number = 1000
        self.bank_accounts = {c.code: self._id("ba_") for c in _CURRENCIES}
        self._plan(rows)

    # Planning

    def _plan(self, rows: int) -> None:
        weeks = HISTORY_DAYS / 7
        self.schedules = {c.code: _schedule(rows * c.share / _ROWS_PER_CHARGE / weeks) for c in _CURRENCIES}
        days = [self.start + timedelta(days=i) for i in range(HISTORY_DAYS)]
        payout_rows = sum(_is_payout_day(self.schedules[c.code], day) for c in _CURRENCIES for day in days)
        adjustments = min(13, rows // 1000)
        # Monthly: two Stripe fees per currency, one transfer to the partner.
        fixed_rows = payout_rows + 13 * (2 * len(_CURRENCIES) + 1) + adjustments + 2
        charges = max(0, round((rows - fixed_rows) / _ROWS_PER_CHARGE))
        # The business grows (twice as busy at the end), with weekly and yearly rhythm.
        weights = [
            (1 + i / HISTORY_DAYS)
            * _WEEKDAY_WEIGHT[day.weekday()]
            * _MONTH_WEIGHT.get(day.month, 1.0)
            * (0.85 + 0.3 * self.rng.random())
            for i, day in enumerate(days)
        ]
        scale = charges / sum(weights)
        self.daily_charges = []
        for weight in weights:
            whole, fraction = divmod(weight * scale, 1)
            self.daily_charges.append(int(whole) + (self.rng.random() < fraction))
        self.adjustment_days = set(self.rng.sample(range(HISTORY_DAYS), adjustments))
        # Saturdays, when the week's takings are available but not yet paid out.
        self.manual_payout_days: dict[int, _Currency] = {}
        for fraction, currency in ((0.35, _CURRENCIES[0]), (0.7, _CURRENCIES[1])):
            index = int(HISTORY_DAYS * fraction)
            while days[index].weekday() != 5:
                index += 1
            self.manual_payout_days[index] = currency

    # Ids and small helpers

    def _id(self, prefix: str, length: int = 24) -> str:
        return prefix + self.rng.randbytes(length).translate(_BASE62).decode()

    def _at(self, day: datetime, hour: float) -> datetime:
        return day + timedelta(seconds=int(hour * 3600) % 86400)

    def _push(self, when: datetime, handler: Callable[[datetime], None]) -> None:
        if when < self.end:
            self.seq += 1
            heapq.heappush(self.heap, (when, self.seq, handler))

    def _add(self, txn: _Txn) -> None:
        self.pool[txn.currency].append(txn)
        self.balance[txn.currency] += txn.net

    def _customer(self, currency: _Currency) -> _Customer:
        known = self.customers[currency.code]
        if known and (self.rng.random() < 0.7 or len(known) >= 20_000):
            return self.rng.choice(known)
        first, last = self.rng.choice(_FIRST_NAMES), self.rng.choice(_LAST_NAMES)
        country = self.rng.choice(currency.countries)
        card_address = self._address(country)
        customer = _Customer(
            id=self._id("cus_", 14),
            email=f"{first}.{last}{self.rng.randint(1, 999)}@example.com",
            name=f"{first.title()} {last.title()}",
            description=self._customer_description(),
            brand=self.rng.choices(_BRANDS, cum_weights=_BRAND_CUM_WEIGHTS)[0],
            funding=self.rng.choices(_FUNDINGS, cum_weights=_FUNDING_CUM_WEIGHTS)[0],
            country=country,
            card_address=card_address,
            address=card_address if self.rng.random() < 0.6 else _NO_ADDRESS,
            shipping=self._shipping(country, card_address),
            invoice_prefix=self.rng.randbytes(4).hex().upper(),
        )
        known.append(customer)
        return customer

    def _customer_description(self) -> str | None:
        roll = self.rng.random()
        if roll < 0.7:
            return None
        return "" if roll < 0.75 else self.rng.choice(_CUSTOMER_DESCRIPTIONS)

    def _address(self, country: str) -> Address:
        place = self.rng.choice(_PLACES[country])
        number = self.rng.randint(1, 240)
        line1 = f"{number} {place.street}" if place.number_first else f"{place.street} {number}"
        # Most addresses have no second line: Stripe writes it as an empty string then.
        line2 = "" if self.rng.random() < 0.7 else f"Apt {self.rng.randint(1, 40)}"
        return (line1, line2, place.city, place.state, place.postal_code, country)

    def _shipping(self, country: str, billing: Address) -> Address:
        roll = self.rng.random()
        if roll < 0.5:
            return _NO_ADDRESS
        return billing if roll < 0.85 else self._address(country)

    def _description(self) -> str:
        roll = self.rng.random()
        if roll < 0.55:
            self.order_number += 1
            return f"Order {self.order_number}"
        if roll < 0.75:
            return "Subscription update"
        if roll < 0.85:
            return "Subscription creation"
        return "Payment for Invoice"

    # The simulation

    def run(self) -> int:
        for index in range(HISTORY_DAYS):
            day = self.start + timedelta(days=index)
            for currency in _CURRENCIES:
                if _is_payout_day(self.schedules[currency.code], day):
                    self._automatic_payout(currency, day)
            if day.day == 1:
                self._bill_fees(day)
            if index in self.adjustment_days:
                self._push(self._at(day, self.rng.uniform(8, 17)), self._adjustment)
            if index in self.manual_payout_days:
                self._push(
                    self._at(day, self.rng.uniform(9, 11)),
                    partial(self._manual_payout, currency=self.manual_payout_days[index]),
                )
            for _ in range(self.daily_charges[index]):
                currency = self.rng.choices(_CURRENCIES, cum_weights=_CURRENCY_CUM_SHARES)[0]
                hour = currency.peak_hour + self.rng.gauss(0, 4.5)
                self._push(self._at(day, hour), partial(self._charge, currency=currency))
            next_day = day + _DAY
            while self.heap and self.heap[0][0] < next_day:
                when, _, handler = heapq.heappop(self.heap)
                handler(when)
            if len(self.done) >= FLUSH_ROWS:
                self._flush()
        for pool in self.pool.values():
            self.done.extend(pool)
        self._flush()
        return self.written

    def _charge(self, when: datetime, *, currency: _Currency) -> None:
        customer = self._customer(currency)
        amount = _charge_amount(self.rng, currency)
        description = self._description()
        details = self._charge_details(when, customer, description)
        charge = _Txn(
            stripe_id=self._id("txn_"),
            type="charge",
            category="charge",
            amount=amount,
            fee=_processing_fee(currency, amount, customer.country),
            currency=currency.code,
            created=when,
            available_on=utc_midnight(when) + timedelta(days=currency.available_days),
            description=description,
            source_id=details.id,
            charge=details,
            customer_facing_amount=amount,
        )
        self._add(charge)
        usage = self.usage[currency.code]
        usage.charges += 1
        usage.volume += amount
        if description.startswith("Subscription"):
            usage.subscription_volume += amount
        roll = self.rng.random()
        if roll < _REFUND_RATE:
            later = timedelta(seconds=self.rng.randint(2 * 3600, 20 * 86400))
            self._push(when + later, partial(self._refund, currency=currency, charge=charge))
        elif roll < _REFUND_RATE + _DISPUTE_RATE:
            later = timedelta(seconds=self.rng.randint(7 * 86400, 60 * 86400))
            self._push(when + later, partial(self._dispute, currency=currency, charge=charge))

    def _charge_details(self, when: datetime, customer: _Customer, description: str) -> _Charge:
        """The payment intent, invoice, descriptor and metadata of a charge, by what it paid for."""
        details = _Charge(
            id=self._id("ch_"),
            customer=customer,
            payment_intent_id=self._id("pi_"),
            created=when,
            description=description,
            is_link=self.rng.random() < _LINK_RATE,
            statement_descriptor=_STATEMENT_DESCRIPTOR,
        )
        if description.startswith("Order "):
            order = description.removeprefix("Order ")
            details.statement_descriptor = f"{_STATEMENT_DESCRIPTOR}* ORDER {order}"
            details.metadata = {"order_id": order, "channel": self.rng.choice(_CHANNELS)}
            if self.rng.random() < 0.25:
                details.metadata["CAMPAIGN"] = self.rng.choice(_CAMPAIGNS)
            # Goods are shipped: to the customer's shipping address, else the billing one.
            if self.rng.random() < 0.8:
                details.shipping = customer.shipping if customer.shipping[0] else customer.card_address
            return details
        customer.invoices += 1
        details.invoice_id = self._id("in_")
        details.invoice_number = f"{customer.invoice_prefix}-{customer.invoices:04d}"
        if description.startswith("Subscription"):
            if customer.subscription_id is None:
                customer.subscription_id = self._id("sub_")
            details.subscription_id = customer.subscription_id
            details.statement_descriptor = f"{_STATEMENT_DESCRIPTOR}* SUBSCRIPTION"
            details.metadata = {"plan": self.rng.choice(_PLANS)}
        return details

    def _follow_up(self, when: datetime, currency: _Currency, charge: _Txn, **fields: Any) -> _Txn:
        return _Txn(
            stripe_id=self._id("txn_"),
            currency=currency.code,
            created=when,
            available_on=utc_midnight(when) + timedelta(days=currency.available_days),
            charge=charge.charge,
            **fields,
        )

    def _refund(self, when: datetime, *, currency: _Currency, charge: _Txn) -> None:
        amount = charge.amount if self.rng.random() < 0.75 else charge.amount // 2
        metadata = None
        if self.rng.random() < 0.4:
            metadata = {"reason_code": self.rng.choice(_REFUND_REASONS)}
            if self.rng.random() < 0.5:
                metadata["Ticket"] = f"T-{self.rng.randint(10000, 99999)}"
        self._add(
            self._follow_up(
                when,
                currency,
                charge,
                type="refund",
                category="refund",
                amount=-amount,
                fee=0,
                description=f"REFUND FOR CHARGE ({charge.description})",
                source_id=self._id("re_"),
                customer_facing_amount=-amount,
                refund_metadata=metadata,
            )
        )

    def _dispute(self, when: datetime, *, currency: _Currency, charge: _Txn) -> None:
        dispute_id = self._id("dp_")
        reason = self.rng.choice(_DISPUTE_REASONS)
        self._add(
            self._follow_up(
                when,
                currency,
                charge,
                type="adjustment",
                category="dispute",
                amount=-charge.amount,
                fee=currency.dispute_fee,
                description=f"Chargeback withdrawal for {charge.source_id}",
                source_id=dispute_id,
                dispute_reason=reason,
            )
        )
        if self.rng.random() < _DISPUTE_WON_RATE:
            later = timedelta(seconds=self.rng.randint(20 * 86400, 75 * 86400))
            self._push(
                when + later,
                partial(self._dispute_won, currency=currency, charge=charge, dispute_id=dispute_id, reason=reason),
            )

    def _dispute_won(self, when: datetime, *, currency: _Currency, charge: _Txn, dispute_id: str, reason: str) -> None:
        self._add(
            self._follow_up(
                when,
                currency,
                charge,
                type="adjustment",
                category="dispute_reversal",
                amount=charge.amount,
                fee=0,
                description=f"Chargeback reversal for {charge.source_id}",
                source_id=dispute_id,
                dispute_reason=reason,
            )
        )

    def _bill_fees(self, day: datetime) -> None:
        period_start = max(utc_midnight((day - _DAY).replace(day=1)), self.start)
        period = f"({period_start:%Y-%m-%d} - {day - _DAY:%Y-%m-%d})"
        for currency in _CURRENCIES:
            usage = self.usage[currency.code]
            self.usage[currency.code] = _MonthUsage()
            fees = [
                (f"Radar {period}: Radar for Fraud Teams", usage.charges * currency.radar_fee),
                (f"Billing - Usage Fee {period}", (usage.subscription_volume * 5 + 500) // 1000),
            ]
            for description, amount in fees:
                if amount > 0:
                    self._push(
                        self._at(day, self.rng.uniform(1, 5)),
                        partial(self._fee, currency=currency, description=description, amount=amount),
                    )
            share = usage.volume * _REVENUE_SHARE_PERMILLE // 1000
            if currency.code == "eur" and share > 0:
                self._push(
                    self._at(day, self.rng.uniform(6, 8)),
                    partial(self._transfer, currency=currency, period=f"{day - _DAY:%Y-%m}", amount=share),
                )

    def _fee(self, when: datetime, *, currency: _Currency, description: str, amount: int) -> None:
        available_on = utc_midnight(when) + timedelta(days=currency.available_days)
        self._add(
            _Txn(
                stripe_id=self._id("txn_"),
                type="stripe_fee",
                category="fee",
                amount=-amount,
                fee=0,
                currency=currency.code,
                created=when,
                available_on=available_on,
                description=description,
            )
        )

    def _transfer(self, when: datetime, *, currency: _Currency, period: str, amount: int) -> None:
        """The partner's monthly revenue share, sent to its connected account."""
        self._add(
            _Txn(
                stripe_id=self._id("txn_"),
                type="transfer",
                category="transfer",
                amount=-amount,
                fee=0,
                currency=currency.code,
                created=when,
                available_on=when,
                description=f"Revenue share {period}",
                source_id=self._id("tr_"),
                transfer_metadata={"period": period, "Contract": "RS-2024-07"},
                connected_account=_PARTNER,
            )
        )

    def _adjustment(self, when: datetime) -> None:
        currency = self.rng.choice(_CURRENCIES)
        amount = self.rng.choice((-1, 1)) * self.rng.randint(5, 100) * 100
        available_on = utc_midnight(when) + timedelta(days=currency.available_days)
        description = self.rng.choice(_ADJUSTMENTS)
        self._add(
            _Txn(
                stripe_id=self._id("txn_"),
                type="adjustment",
                category="other_adjustment",
                amount=amount,
                fee=0,
                currency=currency.code,
                created=when,
                available_on=available_on,
                description=description,
            )
        )

    def _new_payout(
        self, currency: _Currency, amount: int, *, automatic: bool, created: datetime, arrival: datetime
    ) -> _Payout:
        payout = _Payout(
            stripe_id=self._id("po_"),
            amount=amount,
            currency=currency.code,
            automatic=automatic,
            created=created,
            arrival_date=arrival,
            effective_at=arrival if automatic else created,
            destination_id=self.bank_accounts[currency.code],
            trace_id="STRIPE-" + "".join(self.rng.choices(ALPHABET[26:], k=16)),
        )
        self.new_payouts.append(payout)
        return payout

    def _payout_txn(self, payout: _Payout) -> _Txn:
        return _Txn(
            stripe_id=self._id("txn_"),
            type="payout",
            category="payout",
            amount=-payout.amount,
            fee=0,
            currency=payout.currency,
            created=payout.created,
            available_on=payout.arrival_date if payout.automatic else payout.created,
            effective_at=payout.effective_at,
            description="STRIPE PAYOUT",
            source_id=payout.stripe_id,
            payout=payout.stripe_id,
        )

    def _automatic_payout(self, currency: _Currency, arrival: datetime) -> None:
        pool = self.pool[currency.code]
        settled = [txn for txn in pool if txn.available_on <= arrival]
        amount = sum(txn.net for txn in settled)
        if amount <= 0 or amount > self.balance[currency.code]:
            return
        payout = self._new_payout(currency, amount, automatic=True, created=arrival - 2 * _DAY, arrival=arrival)
        fail = self.rng.random() < _FAILED_PAYOUT_RATE or (
            not self.failed_any and currency.code == "usd" and arrival >= self.start + (self.end - self.start) / 2
        )
        reversed_at = self._at(arrival + _DAY, self.rng.uniform(8, 16))
        if fail and reversed_at < self.end:
            self.failed_any = True
            payout.status = Payout.Status.FAILED
            payout.reversed_at = reversed_at
            self._push(reversed_at, partial(self._payout_failure, payout=payout))
        self.done.append(self._payout_txn(payout))
        for txn in settled:
            txn.automatic_payout = payout.stripe_id
        self.done.extend(settled)
        self.pool[currency.code] = [txn for txn in pool if txn.automatic_payout is None]
        self.balance[currency.code] -= amount

    def _payout_failure(self, when: datetime, *, payout: _Payout) -> None:
        self._add(
            _Txn(
                stripe_id=self._id("txn_"),
                type="payout_failure",
                category="payout_reversal",
                amount=payout.amount,
                fee=0,
                currency=payout.currency,
                created=when,
                available_on=when,
                description=f"Payout failure ({payout.stripe_id})",
                source_id=payout.stripe_id,
                payout=payout.stripe_id,
            )
        )

    def _manual_payout(self, when: datetime, *, currency: _Currency) -> None:
        available = sum(txn.net for txn in self.pool[currency.code] if txn.available_on <= when)
        # 40% of what is available, in whole hundreds of minor units.
        amount = min(available, self.balance[currency.code]) * 2 // 5 // 100 * 100
        arrival = utc_midnight(when) + 2 * _DAY
        if amount <= 0 or arrival >= self.end:
            return
        payout = self._new_payout(currency, amount, automatic=False, created=when, arrival=arrival)
        # The next automatic payout sweeps it with everything else available.
        self._add(self._payout_txn(payout))

    # Writing

    def _flush(self) -> None:
        if self.new_payouts:
            # In the order the importer creates payouts (reporting.ledger_import.planning), so that
            # payouts arriving together keep their order through an export and import.
            self.new_payouts.sort(key=lambda p: (p.effective_at, p.stripe_id))
            payouts = [
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
                for p in self.new_payouts
            ]
            Payout.objects.bulk_create(payouts, batch_size=BATCH_SIZE)
            if any(p.pk is None for p in payouts):
                ids = [p.stripe_id for p in self.new_payouts]
                self.payout_pks.update(
                    Payout.objects.for_mode(self.account, self.livemode)
                    .filter(stripe_id__in=ids)
                    .values_list("stripe_id", "pk")
                )
            else:
                self.payout_pks.update((p.stripe_id, p.pk) for p in payouts)
            self.new_payouts.clear()
        self.done.sort(key=lambda t: (t.created, t.stripe_id))
        rows = [self._fields(t) for t in self.done]
        _insert(BalanceTransaction, rows)
        self.written += len(rows)
        self.done.clear()

    def _fields(self, t: _Txn) -> dict[str, Any]:
        """The balance transaction's column values (attnames); columns left out take their default."""
        fields: dict[str, Any] = {
            "account_id": self.account.pk,
            "livemode": self.livemode,
            "stripe_id": t.stripe_id,
            "type": t.type,
            "reporting_category": t.category,
            "amount": t.amount,
            "fee": t.fee,
            "net": t.amount - t.fee,
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
# Values these fields take as they are; every other kind (times, JSON) goes through
# the field's own conversion, as Django's bulk_create would do.
_PLAIN_FIELDS = (models.CharField, models.BigIntegerField, models.BooleanField, models.ForeignKey)


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT rows (attname -> value); columns a row leaves out take the field's default.

    bulk_create() builds a model instance per row and compiles a statement per
    dozen rows on SQLite (999 parameters; the ledger has 70 columns): most of the
    generator's time. These rows are all new and made here, so they skip that and
    keep only each field's conversion to a database value (times, JSON).
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    spec = [
        (
            f.attname,
            f.get_default(),
            None if isinstance(f, _PLAIN_FIELDS) else partial(f.get_db_prep_save, connection=connection),
        )
        for f in fields
    ]
    values = [
        [
            value if (value := row.get(name, default)) is None or convert is None else convert(value)
            for name, default, convert in spec
        ]
        for row in rows
    ]
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):  # psycopg 3
            # One COPY: no statement to parse, and the daily-totals trigger (per
            # statement) runs once for the whole chunk.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        # In-process SQLite: one prepared statement run per row is its fastest path.
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", values)


def generate_ledger(*, account: Account, livemode: bool, rows: int, seed: int, end: datetime) -> int:
    """Generate about `rows` balance transactions dated before `end` and return how many were written."""
    if end != utc_midnight(end):
        raise ValueError(f"end must be a UTC midnight, got {end.isoformat()}")
    # Generating and inserting allocates millions of acyclic objects; the cyclic
    # collector would rescan the growing heap again and again (about 20% of the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with transaction.atomic():
            written = _LedgerBuilder(account=account, livemode=livemode, rows=rows, seed=seed, end=end).run()
            # Nothing happens after `end`, so the ledger is complete through now too.
            DataWatermark.advance(account, livemode, max(timezone.now(), end))
            Event.record(
                Event.Action.LEDGER_IMPORTED,
                door=Door.CLI,
                account=account,
                livemode=livemode,
                source="demo",
                rows=written,
                seed=seed,
                end=end.isoformat(),
            )
    finally:
        if collecting:
            gc.enable()
    return written
