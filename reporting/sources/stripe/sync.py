"""Sync one mode of an account's ledger from Stripe with the official client, resuming where it stopped.

Steps, each resumable (`writing` commits every step with its cursor):

1. Balance transactions, oldest first, in windows of `created` time: each
   window's rows (sources expanded) and the cursor `synced_through` in one
   transaction. Oldest first because reports break ties in time by the order
   rows were written, as the demo and the import write them. The first sync
   finds the oldest transaction by bisecting `created[lt]`.
2. Payouts created since the last sync (less a look-back), their failure
   transactions expanded: new ones created, changed ones updated, each change
   in the event log.
3. For each automatic payout that arrived before the cursor (all it settled was
   created by then), `balance_transactions?payout=` links what it settled.
4. The data watermark moves to the cursor, so reports see the new data only
   when all of it is in.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import stripe
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from reporting.models import Payout, StripeSource
from reporting.unixtime import from_unix

from . import objects, writing
from .client import SourceError, client_for, describe
from .paths import object_id

logger = logging.getLogger(__name__)

# Every object the reports read from a transaction's source (Stripe expands at most four levels).
EXPAND = [
    "data.source",
    *(
        f"data.source.{path}"
        for path in (
            "customer",
            "payment_intent",
            "invoice",
            "charge",
            "charge.customer",
            "charge.payment_intent",
            "charge.invoice",
            "destination",
            "account",
            "transfer_data.destination",
        )
    ),
]
PAGE = 100
# Windows start at a day and grow or shrink to hold about WINDOW_ROWS transactions.
FIRST_WINDOW = timedelta(days=1)
WINDOW_ROWS = (500, 5000)
MAX_WINDOW = timedelta(days=64)
# Stripe was founded in 2010: no balance transaction is older.
STRIPE_EPOCH = 1262304000
DAY = 86400


class SyncBusy(Exception):
    """Another sync of the same source is in flight."""


def sync(source: StripeSource, secret: str, *, until: datetime | None = None) -> writing.Tally:
    """Bring the source's mode of the ledger up to `until` (default: now less STRIPE_SYNC_LAG)."""
    if not _claim(source):
        raise SyncBusy(f"A sync of {source} is already running.")
    client = _Client(source, secret)
    end = until or timezone.now() - timedelta(seconds=settings.STRIPE_SYNC_LAG)
    end = end.replace(microsecond=0)
    tally = writing.Tally()
    previous = source.synced_through
    try:
        tally.rows = _transactions(client, source, end)
        since = previous - timedelta(days=settings.STRIPE_SYNC_PAYOUT_LOOKBACK_DAYS) if previous else None
        for payout in client.payouts(since, end):
            writing.update_payout(source, payout, tally)
        source.refresh_from_db()
        tally.links = _links(client, source)
        writing.conclude(source, tally)
    except StripeSource.DoesNotExist:
        raise SourceError(f"{source} was disconnected during the sync; what it wrote stays in the ledger.") from None
    except (stripe.StripeError, objects.UnmappableObject) as exc:
        message = describe(exc) if isinstance(exc, stripe.StripeError) else f"Cannot map an upstream object: {exc}"
        logger.warning("Sync of %s failed: %s", source, message)
        writing.fail(source, message)
        raise SourceError(message) from None
    except BaseException:
        writing.fail(source, "The sync stopped unexpectedly; see the worker's log.")
        raise
    return tally


def _claim(source: StripeSource) -> bool:
    """Hold the source for this sync, unless another holds it and is alive (renewed within STALE_AFTER)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.STRIPE_SYNC_STALE_AFTER)
    free = Q(sync_heartbeat__isnull=True) | Q(sync_heartbeat__lt=stale)
    return StripeSource.objects.filter(free, pk=source.pk).update(sync_heartbeat=now, last_attempt_at=now) == 1


def _transactions(client: _Client, source: StripeSource, end: datetime) -> int:
    start = source.synced_through or client.oldest(end)
    if start is None:  # nothing upstream yet: complete through `end` all the same
        return writing.write_window(source, [], {}, end)
    window, added = FIRST_WINDOW, 0
    while start < end:
        stop = min(start + window, end)
        txns = list(client.transactions(start, stop))
        payouts = {t["source"]["id"]: t["source"] for t in txns if _is_payout(t.get("source"))}
        for txn in txns:
            if txn["type"] == "payout" and isinstance(txn.get("source"), str):
                payouts[txn["source"]] = client.payout(txn["source"])  # a source the server did not expand
        added += writing.write_window(source, txns, payouts, stop)
        start = stop
        if len(txns) < WINDOW_ROWS[0]:
            window = min(window * 2, MAX_WINDOW)
        elif len(txns) > WINDOW_ROWS[1]:
            window = max(window / 2, timedelta(seconds=1))
    return added


def _links(client: _Client, source: StripeSource) -> int:
    if source.synced_through is None:
        return 0
    due = Payout.objects.for_mode(source.account_id, source.livemode).filter(
        automatic=True, arrival_date__lt=source.synced_through
    )
    if source.links_through is not None:
        # Payouts arriving at the same moment as the last one linked are read again (linking is idempotent).
        due = due.filter(arrival_date__gte=source.links_through)
    linked = 0
    for payout in due.order_by("arrival_date", "stripe_id"):
        settled = [
            t["id"] for t in client.settled_by(payout.stripe_id) if object_id(t.get("source")) != payout.stripe_id
        ]
        linked += writing.link_settled(source, payout, settled)
    return linked


class _Client:
    """The calls the sync makes, each page renewing the sync's hold on the source.

    Through the official client's `raw_request`: its keys, headers, retries and errors,
    without building a StripeObject per nested object only to turn it back into a dict.
    """

    def __init__(self, source: StripeSource, secret: str) -> None:
        self.source = source
        self.client = client_for(secret)
        self.beaten = time.monotonic()

    def beat(self) -> None:
        """Renew the hold on the source, a few times per STRIPE_SYNC_STALE_AFTER (not on every page)."""
        if time.monotonic() - self.beaten >= min(5.0, settings.STRIPE_SYNC_STALE_AFTER / 4):
            StripeSource.objects.filter(pk=self.source.pk).update(sync_heartbeat=timezone.now())
            self.beaten = time.monotonic()

    def oldest(self, end: datetime) -> datetime | None:
        """A time at most a day before the oldest transaction created before `end`, by bisection (~14 calls)."""
        hi = int(end.timestamp())
        if not self._any_before(hi):
            return None
        lo = STRIPE_EPOCH if not self._any_before(STRIPE_EPOCH) else 0
        while hi - lo > DAY:  # none is older than lo; one is older than hi
            mid = (lo + hi) // 2
            if self._any_before(mid):
                hi = mid
            else:
                lo = mid
        return from_unix(lo)

    def transactions(self, start: datetime, stop: datetime) -> Iterator[Mapping[str, Any]]:
        created = {"gte": int(start.timestamp()), "lt": int(stop.timestamp())}
        yield from self._list("/v1/balance_transactions", {"created": created, "limit": PAGE, "expand": EXPAND})

    def payouts(self, since: datetime | None, end: datetime) -> Iterator[Mapping[str, Any]]:
        created = {"lt": int(end.timestamp()), **({"gte": int(since.timestamp())} if since else {})}
        params = {"created": created, "limit": PAGE, "expand": ["data.failure_balance_transaction"]}
        yield from self._list("/v1/payouts", params)

    def payout(self, payout_id: str) -> Mapping[str, Any]:
        return self._get(f"/v1/payouts/{payout_id}", {})

    def settled_by(self, payout_id: str) -> Iterator[Mapping[str, Any]]:
        yield from self._list("/v1/balance_transactions", {"payout": payout_id, "limit": PAGE})

    def _any_before(self, moment: int) -> bool:
        return bool(self._get("/v1/balance_transactions", {"created": {"lt": moment}, "limit": 1})["data"])

    def _list(self, path: str, params: dict[str, Any]) -> Iterator[Mapping[str, Any]]:
        page = self._get(path, params)
        while True:
            self.beat()
            yield from page["data"]
            if not page["has_more"] or not page["data"]:
                return
            page = self._get(path, {**params, "starting_after": page["data"][-1]["id"]})

    def _get(self, path: str, params: dict[str, Any]) -> Mapping[str, Any]:
        """GET with the client, which retries 5xx, 409 and lost connections itself; this retries 429."""
        for retry in range(settings.STRIPE_MAX_NETWORK_RETRIES + 1):
            try:
                data: Mapping[str, Any] = self.client.raw_request("get", path, **params).data
                return data
            except stripe.RateLimitError as exc:
                if retry == settings.STRIPE_MAX_NETWORK_RETRIES:
                    raise
                time.sleep(_retry_after(exc, retry))
        raise AssertionError("unreachable")


def _retry_after(exc: stripe.RateLimitError, retry: int) -> float:
    """Stripe's Retry-After when it gives one (capped), else the client's own back-off: 0.5 s doubling."""
    header = (exc.headers or {}).get("Retry-After", "")
    return min(float(header), 30.0) if header.isdigit() else min(0.5 * 2**retry, 8.0)


def _is_payout(source: Any) -> bool:
    return isinstance(source, dict) and source.get("object") == "payout"
