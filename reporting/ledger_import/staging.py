"""One import's scratch database: the file's transactions and what to write, on disk instead of in memory.

A private SQLite file (not the service's database, so filling it takes no lock
that a request could wait for), written without journal or sync: it is
thrown away when the import ends. Rows are pickled `TxnRow`s; the file is made
and read by the same import only.

It also records what the import has written so far (the payouts it created,
the rows it inserted, the links it added), so that an import stopped half-way
through writing, on SQLite, can be undone (`writing.undo`), even by another
process after a crash.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from .parsed import TxnRow

SCHEMA = """
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TABLE IF NOT EXISTS txns (stripe_id TEXT PRIMARY KEY, row BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS new_rows (stripe_id TEXT NOT NULL, row BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS links (pk INTEGER NOT NULL, changes BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS new_payouts (stripe_id TEXT NOT NULL);
"""


def batched(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(items, size)):
        yield batch


class Staging:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.executescript(SCHEMA)

    def close(self, *, delete: bool = True) -> None:
        self.db.close()
        if delete:
            self.path.unlink(missing_ok=True)

    # The file's transactions, each id once, in file order

    def add_txns(self, txns: list[TxnRow], repeated: Callable[[TxnRow, TxnRow], None]) -> None:
        """Keep these rows; a row whose id is already kept goes to `repeated(earlier, row)` instead."""
        rows = [(txn.stripe_id, pickle.dumps(txn, pickle.HIGHEST_PROTOCOL)) for txn in txns]
        self.db.execute("BEGIN")
        try:
            self.db.executemany("INSERT INTO txns VALUES (?, ?)", rows)
            self.db.execute("COMMIT")
            return
        except sqlite3.IntegrityError:
            self.db.execute("ROLLBACK")
        # An id seen before, in this batch or an earlier one (rare): one row at a time.
        for txn, row in zip(txns, rows, strict=True):
            if self.db.execute("INSERT OR IGNORE INTO txns VALUES (?, ?)", row).rowcount == 0:
                (earlier,) = self.db.execute("SELECT row FROM txns WHERE stripe_id = ?", (txn.stripe_id,)).fetchone()
                repeated(pickle.loads(earlier), txn)

    def count(self, table: str) -> int:
        assert table in ("txns", "new_rows", "links", "new_payouts")
        return int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def txns(self, size: int) -> Iterator[list[TxnRow]]:
        """The kept rows, `size` at a time, in file order."""
        return batched((pickle.loads(row) for (row,) in self._scan("txns", "row")), size)

    # What to write

    def add_new_rows(self, rows: list[tuple[TxnRow, str | None]]) -> None:
        """Rows to insert, each with the payout it moves (its Stripe id)."""
        self._insert("new_rows", [(txn.stripe_id, pickle.dumps((txn, payout))) for txn, payout in rows])

    def new_rows(self, size: int) -> Iterator[list[tuple[TxnRow, str | None]]]:
        return batched((pickle.loads(row) for (row,) in self._scan("new_rows", "row")), size)

    def new_row_ids(self, size: int) -> Iterator[list[str]]:
        return batched((stripe_id for (stripe_id,) in self._scan("new_rows", "stripe_id")), size)

    def add_links(self, links: list[tuple[int, dict[str, str]]]) -> None:
        """Existing rows to link to their payouts: pk -> {"payout" or "automatic_payout": payout's Stripe id}."""
        self._insert("links", [(pk, pickle.dumps(changes)) for pk, changes in links])

    def links(self, size: int) -> Iterator[list[tuple[int, dict[str, str]]]]:
        return batched(((pk, pickle.loads(changes)) for pk, changes in self._scan("links", "pk, changes")), size)

    def add_new_payouts(self, stripe_ids: list[str]) -> None:
        self._insert("new_payouts", [(stripe_id,) for stripe_id in stripe_ids])

    def new_payouts(self) -> list[str]:
        return [stripe_id for (stripe_id,) in self.db.execute("SELECT stripe_id FROM new_payouts")]

    def _insert(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        marks = ", ".join("?" * len(rows[0]))
        self.db.execute("BEGIN")
        self.db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        self.db.execute("COMMIT")

    def _scan(self, table: str, columns: str) -> Iterator[tuple[Any, ...]]:
        """Read a table in rowid order, a page at a time (no cursor left open across the caller's writes)."""
        last = 0
        while True:
            page = self.db.execute(
                f"SELECT rowid, {columns} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT 1000", (last,)
            ).fetchall()
            if not page:
                return
            last = page[-1][0]
            for row in page:
                yield row[1:]
