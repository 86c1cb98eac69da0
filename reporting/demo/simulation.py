"""The simulated account's state and clock, shared by everything that happens to it.

`_Simulation` holds the balance (unsettled transactions per currency), the
events still to come (handlers on a heap ordered by time), the finished rows
and the random generator every choice is drawn from. The activity
(`reporting.demo.activity`) and the payouts (`reporting.demo.payouts`) are
methods on it; `reporting.demo.ledger` runs the days.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from reporting.demo.catalogue import _CURRENCIES
from reporting.demo.records import _Customer, _MonthUsage, _Payout, _Txn
from reporting.ids import ALPHABET

HISTORY_DAYS = 396  # 13 months

_DAY = timedelta(days=1)
# Maps a random byte to a base62 character (the first 8 characters come up a
# little more often, which no one reading an id can tell).
_BASE62 = bytes(ord(ALPHABET[i % len(ALPHABET)]) for i in range(256))


class _Simulation:
    """Hold the account's state while it is simulated, and the primitives every event uses."""

    def __init__(self, *, seed: int, end: datetime) -> None:
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
        self.done: list[_Txn] = []  # settled (or, at the end, left pending): ready to be written
        self.new_payouts: list[_Payout] = []  # not written yet
        self.failed_any = False
        self.order_number = 1000
        # Drawn here, before anything else, so that the same seed gives the same ids.
        self.bank_accounts = {c.code: self._id("ba_") for c in _CURRENCIES}

    def _id(self, prefix: str, length: int = 24) -> str:
        """Return a new Stripe-style id: `prefix` and `length` random base62 characters."""
        return prefix + self.rng.randbytes(length).translate(_BASE62).decode()

    def _at(self, day: datetime, hour: float) -> datetime:
        """Return the time `hour` hours after `day` (a midnight), wrapped into that day."""
        return day + timedelta(seconds=int(hour * 3600) % 86400)

    def _push(self, when: datetime, handler: Callable[[datetime], None]) -> None:
        """Schedule `handler` to run at `when`; what would happen at or after the end never does."""
        if when < self.end:
            self.seq += 1
            heapq.heappush(self.heap, (when, self.seq, handler))

    def _add(self, txn: _Txn) -> None:
        """Add a transaction to its currency's unsettled pool and balance."""
        self.pool[txn.currency].append(txn)
        self.balance[txn.currency] += txn.net
