"""Benchmark ledgers: one account per size.

The smallest size is written by the product's own generator
(`reporting.demo.generate_ledger`), timed. The generator runs at a few
thousand rows a second (building each row's source fields in Python), which
would spend most of the time budget on a 1M-row ledger, so larger sizes are
copies of that ledger made inside the database with INSERT ... SELECT: the same
rows, each copy with its own Stripe ids (suffixed `_k`), into a fresh account
whose payouts are copied too, so every composite foreign key still holds. The
copies keep the generator's distribution of dates, currencies and categories
at k times the density.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Model
from django.utils import timezone

from bench.config import label
from reporting.demo import generate_ledger
from reporting.models import Account, ApiKey, BalanceTransaction, DataWatermark, Payout
from reporting.unixtime import utc_midnight

if TYPE_CHECKING:
    from bench.harness import Bench

SEED = 7


@dataclass
class Ledger:
    label: str  # "100k", "1M"
    target: int  # the size asked for
    account_id: str
    rows: int  # balance transactions written
    seconds: float
    method: str  # how it was built, in a few words

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def account_for(rows: int) -> Account:
    account_id = f"acct_bench{label(rows).lower()}"
    return Account.objects.create(id=account_id, name=f"Bench {label(rows)}", created=timezone.now())


def generate(rows: int, end: datetime) -> Ledger:
    account = account_for(rows)
    started = time.perf_counter()
    written = generate_ledger(account=account, livemode=False, rows=rows, seed=SEED, end=end)
    seconds = time.perf_counter() - started
    return Ledger(label(rows), rows, account.id, written, seconds, "generate_ledger")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(model: type[Model]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not f.primary_key]


def replicate(source: Ledger, rows: int) -> Ledger:
    """Copy `source`'s ledger k times (k = rows / source rows) into a new account, in SQL."""
    copies = max(1, round(rows / source.rows))
    account = account_for(rows)
    bt, payout = _q(BalanceTransaction._meta.db_table), _q(Payout._meta.db_table)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        dropped = _drop_foreign_keys(cursor, BalanceTransaction._meta.db_table)
        # The payouts, under the new account (same Stripe ids: unique per account).
        cols = _columns(Payout)
        select = ", ".join("%s" if c == "account_id" else f"p.{_q(c)}" for c in cols)
        cursor.execute(
            f"INSERT INTO {payout} ({', '.join(map(_q, cols))}) SELECT {select} FROM {payout} p "
            "WHERE p.account_id = %s AND p.livemode = %s ORDER BY p.id",
            [account.id, source.account_id, False],
        )
        # Copy 0: the source rows, payout references mapped to the new payouts by Stripe id.
        cols = _columns(BalanceTransaction)
        exprs = {"account_id": "%s", "payout_id": "np.id", "automatic_payout_id": "nap.id"}
        select = ", ".join(exprs.get(c, f"t.{_q(c)}") for c in cols)
        cursor.execute(
            f"INSERT INTO {bt} ({', '.join(map(_q, cols))}) SELECT {select} FROM {bt} t "
            f"LEFT JOIN {payout} op ON op.id = t.payout_id "
            f"LEFT JOIN {payout} np ON np.account_id = %s AND np.livemode = t.livemode AND np.stripe_id = op.stripe_id "
            f"LEFT JOIN {payout} oap ON oap.id = t.automatic_payout_id "
            f"LEFT JOIN {payout} nap ON nap.account_id = %s AND nap.livemode = t.livemode "
            "AND nap.stripe_id = oap.stripe_id "
            "WHERE t.account_id = %s AND t.livemode = %s ORDER BY t.id",
            [account.id, account.id, account.id, source.account_id, False],
        )
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {bt} WHERE account_id = %s", [account.id])
        first, last = cursor.fetchone()
        # Copies 1..k-1 within the new account: only the Stripe id changes.
        for k in range(1, copies):
            select = ", ".join(f"{_q(c)} || '_{k}'" if c == "stripe_id" else _q(c) for c in cols)
            cursor.execute(
                f"INSERT INTO {bt} ({', '.join(map(_q, cols))}) SELECT {select} FROM {bt} "
                "WHERE account_id = %s AND id BETWEEN %s AND %s ORDER BY id",
                [account.id, first, last],
            )
        _restore_foreign_keys(cursor, BalanceTransaction._meta.db_table, dropped)
        DataWatermark.advance(account, False, timezone.now())
    seconds = time.perf_counter() - started
    written = BalanceTransaction.objects.for_mode(account, False).count()
    return Ledger(label(rows), rows, account.id, written, seconds, f"SQL copy of {source.label} ×{copies}")


def _drop_foreign_keys(cursor: CursorWrapper, table: str) -> list[tuple[str, str]]:
    """PostgreSQL checks each foreign key row by row (about 100 us a row for the ledger's five,
    at COMMIT since they are deferred); copies of valid rows cannot break them, so drop them
    for the copy and add them back, which validates every row in one pass per key.
    SQLite's checks are cheap: nothing to do there."""
    if connection.vendor != "postgresql":
        return []
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    found: list[tuple[str, str]] = list(cursor.fetchall())
    for name, _definition in found:
        cursor.execute(f"ALTER TABLE {_q(table)} DROP CONSTRAINT {_q(name)}")
    return found


def _restore_foreign_keys(cursor: CursorWrapper, table: str, dropped: list[tuple[str, str]]) -> None:
    for name, definition in dropped:
        cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")


def settle() -> None:
    """Leave the database as a long-running one would be: statistics gathered, WAL checkpointed."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def build_all(bench: Bench) -> None:
    """Build a ledger of every size (the first generated, the others copied), settle the database,
    and issue an API key for each ledger's account."""
    sizes = bench.config.sizes
    first = generate(sizes[0], utc_midnight(datetime.now(UTC)))
    bench.ledgers[sizes[0]] = first
    print(f"[bench]   {first.label}: {first.rows:,} rows in {first.seconds:.1f} s ({first.method})", flush=True)
    for size in sizes[1:]:
        built = replicate(first, size)
        bench.ledgers[size] = built
        print(f"[bench]   {built.label}: {built.rows:,} rows in {built.seconds:.1f} s ({built.method})", flush=True)
    started = time.perf_counter()
    settle()
    bench.notes.append(
        f"After the build: {'VACUUM ANALYZE' if bench.vendor == 'postgresql' else 'WAL checkpoint'} "
        f"({time.perf_counter() - started:.1f} s), as a long-running database would be."
    )
    for built in bench.ledgers.values():
        _key, secret = ApiKey.issue(account=Account.objects.get(pk=built.account_id), livemode=False, name="bench")
        bench.keys[built.account_id] = secret
