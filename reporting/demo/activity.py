"""The balance's movements other than payouts: charges and the refunds and disputes that follow
some of them, Stripe's monthly fees, the partner's revenue share, and manual adjustments."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from reporting.demo.catalogue import (
    _ADJUSTMENTS,
    _CURRENCIES,
    _DISPUTE_RATE,
    _DISPUTE_REASONS,
    _DISPUTE_WON_RATE,
    _PARTNER,
    _REFUND_RATE,
    _REFUND_REASONS,
    _REVENUE_SHARE_PERMILLE,
    _Currency,
    _processing_fee,
)
from reporting.demo.customers import _Customers
from reporting.demo.records import _MonthUsage, _Txn
from reporting.demo.simulation import _DAY
from reporting.unixtime import utc_midnight


def _charge_amount(rng: random.Random, currency: _Currency) -> int:
    major = rng.lognormvariate(math.log(currency.median), 0.8)
    if currency.unit == 1:
        return max(50, int(major / 10) * 10)  # yen prices end in a zero
    return max(1, int(major)) * 100 - rng.choice((0, 0, 0, 1, 5, 50))


def _available_on(when: datetime, currency: _Currency) -> datetime:
    """Return when money moved at `when` becomes available: whole days after its creation day."""
    return utc_midnight(when) + timedelta(days=currency.available_days)


class _Activity(_Customers):
    """Simulate charges, refunds, disputes, fees, transfers and adjustments, each an event on the clock."""

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
            available_on=_available_on(when, currency),
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

    def _follow_up(self, when: datetime, currency: _Currency, charge: _Txn, **fields: Any) -> _Txn:
        return _Txn(
            stripe_id=self._id("txn_"),
            currency=currency.code,
            created=when,
            available_on=_available_on(when, currency),
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
        available_on = _available_on(when, currency)
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
        """Send the partner's monthly revenue share to its connected account."""
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
                # The transfer arrives in the partner's balance as a payment Stripe creates there.
                destination_payment=self._id("py_"),
            )
        )

    def _adjustment(self, when: datetime) -> None:
        currency = self.rng.choice(_CURRENCIES)
        amount = self.rng.choice((-1, 1)) * self.rng.randint(5, 100) * 100
        available_on = _available_on(when, currency)
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
