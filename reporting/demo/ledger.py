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
address), the payment intent, invoice and subscription, the Stripe Orders
order (a share of the web-shop orders), Link, the statement descriptor and
payment metadata. Refunds and disputes repeat their charge's details, as
Stripe's files do. The transfers to the partner name its connected account
and the payment (`py_`) each created in the partner's balance
(`destination_payment_id`). Empty, because this business does not have them:
`application_fee` and `connected_account_direct_charge_id` (it is not a
platform taking fees or making direct charges on connected accounts), and
`regulatory_tag` (the account is not in Brazil).

The simulation is spread over modules named after what they hold: the
account's state and clock (`simulation`), customers (`customers`), charges,
refunds, disputes, fees, transfers and adjustments (`activity`), payouts
(`payouts`), and the database writes (`writer`). This module plans the days
and runs them.
"""

from __future__ import annotations

import gc
import heapq
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from reporting.demo.activity import _Activity
from reporting.demo.catalogue import (
    _CURRENCIES,
    _CURRENCY_CUM_SHARES,
    _MONTH_WEIGHT,
    _ROWS_PER_CHARGE,
    _WEEKDAY_WEIGHT,
    _Currency,
)
from reporting.demo.payouts import _is_payout_day, _Payouts, _schedule
from reporting.demo.simulation import _DAY, HISTORY_DAYS
from reporting.demo.writer import _LedgerWriter
from reporting.models import Account, DataWatermark, Door, Event
from reporting.unixtime import utc_midnight

# Finished rows are written in chunks of about this many, so memory stays
# bounded however many rows are asked for.
FLUSH_ROWS = 20_000


class _LedgerBuilder(_Activity, _Payouts):
    """Simulate the account day by day and write finished rows as it goes."""

    def __init__(self, *, account: Account, livemode: bool, rows: int, seed: int, end: datetime) -> None:
        super().__init__(seed=seed, end=end)
        self.writer = _LedgerWriter(account, livemode)
        self._plan(rows)

    def _plan(self, rows: int) -> None:
        """Choose the payout schedules and how many charges, adjustments and manual payouts each day gets."""
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

    def run(self) -> int:
        """Simulate every day, write the rows, and return how many balance transactions were written."""
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
        return self.writer.written

    def _flush(self) -> None:
        """Write the finished rows and forget them."""
        self.writer.write(self.new_payouts, self.done)
        self.new_payouts.clear()
        self.done.clear()


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
