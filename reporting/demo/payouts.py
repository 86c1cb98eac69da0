"""Payouts: automatic ones on each currency's schedule, which settle everything available by
their arrival, one that fails and comes back, and manual ones that the next automatic payout sweeps."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from reporting.demo.catalogue import _FAILED_PAYOUT_RATE, _Currency
from reporting.demo.records import _Payout, _Txn
from reporting.demo.simulation import _DAY, _Simulation
from reporting.ids import ALPHABET
from reporting.models import Payout
from reporting.unixtime import utc_midnight


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


class _Payouts(_Simulation):
    """Pay the balance out to the account's bank accounts."""

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
