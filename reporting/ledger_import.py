"""Load the ledger from CSV files in the layout of Stripe's itemized reports.

Two layouts, told apart by the header (any version, any choice of columns):

- `balance_change_from_activity.itemized.*` (and the reconciliation types that
  share its columns): one balance transaction per line. `automatic_payout_id`
  links each to the automatic payout that settled it; a payout the ledger does
  not know yet is created from `automatic_payout_effective_at` as a
  placeholder that a payouts export completes later.
- `payouts.itemized.*` (a file with a `payout_id` column): one payout or
  payout-reversal transaction per line, seen from the bank (a payout is
  positive there, so every amount is negated into the ledger), plus the
  payout's own columns (expected arrival, status, ...).

Two steps, shared by the `import_ledger` command and the admin upload:
`parse()` is pure (bytes -> rows, no database), and `write()` checks the rows
against the ledger and inserts them in one transaction. Every problem names its
line and column; any problem means nothing is written. Rows whose Stripe id is
already in the ledger are skipped when they agree with it and refused when they
do not. `import_ledger()` does both, advances the data watermark and records
the event.

Every column of every itemized version is read (the balance layout's
customer, address, card, invoice, Connect and `payment_metadata[KEY]` /
`refund_metadata[KEY]` / `transfer_metadata[KEY]` columns too); any other
column is named in the result as ignored.

Cells follow Stripe's files: every value quoted, `,,` is null and `,"",` the
empty string; amounts in major units with the currency's exponent; times
`YYYY-MM-DD HH:MM:SS`; booleans `true`/`false`. A `_utc` column is read in
preference to its local twin; a twin alone (`created`) is read as UTC and the
result says so. Amounts may use `,` as the decimal mark (a report run with
`decimal_separator=","`): the first amount with decimals sets the file's mark,
and an amount with the other one is a problem. An empty metadata cell means
the object has no such key.

A transaction already in the ledger is compared on its own facts (amounts,
currency, category, times) and on the ids of the objects behind it where both
the file and the ledger have one (source, charge, payment intent, charge time,
customer, invoice, subscription, connected account). Descriptive details
(names, emails, addresses, descriptions, card details, metadata, ...) are not
compared: Stripe lets them change and prints them as they are when the report
runs, so a later export may differ; the ledger keeps the first import's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal, TypeVar

from django.db import models, transaction
from django.utils import timezone

from reporting.categories import PAYOUT_CATEGORIES, REPORTING_CATEGORIES
from reporting.currencies import EXPONENTS, format_amount
from reporting.models import Account, BalanceTransaction, DataWatermark, Door, Event, Payout
from reporting.models.ledger import ADDRESS_FIELDS
from reporting.reports.base import METADATA_COLUMN

Layout = Literal["balance_change_from_activity.itemized", "payouts.itemized"]
BALANCE: Layout = "balance_change_from_activity.itemized"
PAYOUTS: Layout = "payouts.itemized"

# Parsing stops after this many problems: enough to fix a file, not a flood.
MAX_PROBLEMS = 20
BATCH_SIZE = 2000
# Stripe ids per `IN (...)` lookup.
LOOKUP_CHUNK = 500
_BIGINT = 2**63 - 1

# The balance-transaction `type` the ledger stores for each reporting category
# (the files carry only the category; stripe/report-types.md §5). Categories
# not listed keep their own name as type.
TYPES = {
    "charge": "charge",
    "refund": "refund",
    "refund_failure": "refund_failure",
    "charge_failure": "payment_failure_refund",
    "partial_capture_reversal": "refund",
    "dispute": "adjustment",
    "dispute_reversal": "adjustment",
    "fee": "stripe_fee",
    "payout": "payout",
    "payout_reversal": "payout_failure",
    "transfer_reversal": "transfer_refund",
    "platform_earning": "application_fee",
    "platform_earning_refund": "application_fee_refund",
    "risk_reserved_funds": "reserve_transaction",
    "other_adjustment": "adjustment",
}


# Problems ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    reason: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"line {self.line}" if self.line is not None else "",
                f"column {self.column}" if self.column else "",
            )
            if part
        )
        return f"{where}: {self.reason}" if where else self.reason


class LedgerImportError(Exception):
    """The file cannot be imported; nothing was written. One problem per line of the message."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class _TooMany(Exception):
    pass


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, reason: str, line: int | None = None, column: str | None = None) -> None:
        self.items.append(Problem(reason, line, column))
        if len(self.items) >= MAX_PROBLEMS:
            raise _TooMany

    def raise_if_any(self) -> None:
        if self.items:
            raise LedgerImportError(self.items)


# CSV with null -------------------------------------------------------------------------

# One cell: quoted (quotes doubled inside, newlines allowed) or bare (no quote, comma or newline).
_CELL = re.compile(r'"([^"]*(?:""[^"]*)*)"|([^,"\r\n]*)')


def read_records(text: str) -> Iterator[tuple[int, list[str | None]]]:
    """Yield (line number, cells) per record; an unquoted empty cell is None (null), `""` is ""."""
    pos, line, end = 0, 1, len(text)
    while pos < end:
        first_line = line
        cells: list[str | None] = []
        while True:
            match = _CELL.match(text, pos)
            assert match is not None  # the bare branch matches the empty string
            quoted = match.group(1)
            if quoted is not None:
                cells.append(quoted.replace('""', '"'))
                line += quoted.count("\n")
            else:
                cells.append(match.group(2) or None)
            pos = match.end()
            if pos >= end:
                break
            char = text[pos]
            if char == ",":
                pos += 1
                continue
            if char == "\n":
                pos, line = pos + 1, line + 1
                break
            if char == "\r" and text.startswith("\r\n", pos):
                pos, line = pos + 2, line + 1
                break
            reason = (
                "a quote that never closes, or one inside an unquoted cell"
                if char == '"'
                else f"unexpected {char!r} after a quoted cell"
            )
            raise LedgerImportError([Problem(f"not a CSV line: {reason}", line)])
        yield first_line, cells


# Cell values ---------------------------------------------------------------------------

_AMOUNT = re.compile(r"-?(\d+)(?:[.,](\d+))?")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


class _Bad(Exception):
    """A cell's value is wrong; the message is the reason."""


def parse_amount(text: str, currency: str) -> int:
    """Major units as written by Stripe ("-12.50", or "-12,50") -> integer minor units (-1250), exactly."""
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise _Bad(f"'{text}' is not an amount (digits, an optional leading '-' and '.' or ',' before the decimals)")
    places = EXPONENTS[currency]
    decimals = match.group(2) or ""
    if len(decimals) > places:
        allowed = f"{places} decimal{'s' if places != 1 else ''}" if places else "no decimals"
        raise _Bad(f"'{text}' has more decimals than {currency} allows ({allowed})")
    minor = int(Decimal(text.replace(",", ".")).scaleb(places))
    if abs(minor) > _BIGINT:
        raise _Bad(f"'{text}' is too large")
    return minor


@functools.lru_cache(maxsize=4096)
def parse_timestamp(text: str) -> datetime:
    """`YYYY-MM-DD HH:MM:SS`, in UTC (cached: exports repeat midnights and payout times)."""
    if _TIMESTAMP.fullmatch(text) is None:
        raise _Bad(f"'{text}' is not a timestamp (YYYY-MM-DD HH:MM:SS)")
    try:
        return datetime(
            int(text[0:4]),
            int(text[5:7]),
            int(text[8:10]),
            int(text[11:13]),
            int(text[14:16]),
            int(text[17:19]),
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise _Bad(f"'{text}' is not a valid date and time ({exc})") from None


@functools.cache
def _max_length(model: type[BalanceTransaction] | type[Payout], name: str) -> int:
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    assert model_field.max_length is not None
    return int(model_field.max_length)


# Columns of each layout ---------------------------------------------------------------------

# field -> the header names that carry it, preferred first (the `_utc` column before its local twin).
_BALANCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "stripe_id": ("balance_transaction_id",),
    "created": ("created_utc", "created"),
    "available_on": ("available_on_utc", "available_on"),
    "currency": ("currency",),
    "gross": ("gross",),
    "fee": ("fee",),
    "net": ("net",),
    "reporting_category": ("reporting_category",),
    "source_id": ("source_id",),
    "description": ("description",),
    "customer_facing_amount": ("customer_facing_amount",),
    "customer_facing_currency": ("customer_facing_currency",),
    "automatic_payout_id": ("automatic_payout_id",),
    "automatic_payout_effective_at": ("automatic_payout_effective_at_utc", "automatic_payout_effective_at"),
    # The settling payout's bank trace (reconciliation and tz-aware versions).
    "trace_id": ("trace_id",),
    "trace_id_status": ("trace_id_status",),
    "charge_created": ("charge_created_utc", "charge_created"),
    "is_link": ("is_link",),
    "application_fee": ("application_fee",),
}
# Nullable text columns copied as they are (null stays null, "" stays ""), in Stripe's order.
_BALANCE_TEXT = (
    "description",
    "customer_id",
    "customer_email",
    "customer_name",
    "customer_description",
    *ADDRESS_FIELDS,
    "charge_id",
    "payment_intent_id",
    "invoice_id",
    "invoice_number",
    "subscription_id",
    "payment_method_type",
    "card_brand",
    "card_funding",
    "card_country",
    "statement_descriptor",
    "dispute_reason",
    "connected_account_id",
    "connected_account_name",
    "connected_account_country",
    "connected_account_direct_charge_id",
    "regulatory_tag",
)
_BALANCE_COLUMNS.update((name, (name,)) for name in _BALANCE_TEXT)
_BALANCE_REQUIRED = ("stripe_id", "created", "available_on", "currency", "gross", "fee", "net", "reporting_category")
# Ids of the objects behind a transaction: set once in Stripe, so a file that names
# another one than the ledger is wrong (compared where both have one).
IDENTIFIERS = (
    "source_id",
    "charge_id",
    "payment_intent_id",
    "charge_created",
    "customer_id",
    "invoice_id",
    "subscription_id",
    "connected_account_id",
)

_PAYOUTS_COLUMNS: dict[str, tuple[str, ...]] = {
    "payout_id": ("payout_id",),
    "effective_at": ("effective_at_utc", "effective_at"),
    "currency": ("currency",),
    "gross": ("gross",),
    "fee": ("fee",),
    "net": ("net",),
    "reporting_category": ("reporting_category",),
    "stripe_id": ("balance_transaction_id",),
    "description": ("description",),
    "arrival_date": ("payout_expected_arrival_date",),
    "status": ("payout_status",),
    "reversed_at": ("payout_reversed_at_utc", "payout_reversed_at"),
    "type": ("payout_type",),
    "payout_description": ("payout_description",),
    "destination_id": ("payout_destination_id",),
    "trace_id": ("trace_id",),
    "trace_id_status": ("trace_id_status",),
    # Kept on the payout's balance transaction (empty unless the account is a platform).
    "application_fee": ("application_fee",),
    "regulatory_tag": ("regulatory_tag",),
}
_PAYOUTS_REQUIRED = ("payout_id", "effective_at", "currency", "gross", "fee", "net", "reporting_category", "stripe_id")
# Payout fields a payouts export describes; a later export may change them
# (a payout goes from in_transit to paid, or fails).
PAYOUT_STATE_FIELDS = (
    "arrival_date",
    "status",
    "reversed_at",
    "type",
    "description",
    "destination_id",
    "trace_id",
    "trace_id_status",
)


# Parsed rows ----------------------------------------------------------------------------------


@dataclass(slots=True)
class TxnRow:
    """One balance transaction read from the file; payouts are named by their Stripe ids."""

    line: int
    stripe_id: str
    type: str
    reporting_category: str
    amount: int
    fee: int
    net: int
    currency: str
    created: datetime
    available_on: datetime
    # None: the linked payout's effective time (a payout's own row in the balance layout).
    effective_at: datetime | None
    source_id: str = ""
    payout: str | None = None
    automatic_payout: str | None = None
    # Every other ledger field the file gives (description, customer, card, metadata, ...).
    details: dict[str, Any] = field(default_factory=dict)
    # Ledger fields this row states (compared with a row already in the ledger) -> column names.
    stated: dict[str, str] = field(default_factory=dict)
    # A balance-layout payout row whose payout may be unknown: link only if it is known.
    payout_optional: bool = False

    def value(self, name: str) -> Any:
        """A ledger field's value as this row has it (None for a detail the file does not give)."""
        if name in self.details:
            return self.details[name]
        return getattr(self, name, None)


@dataclass
class PayoutFacts:
    """What the file says about one payout; fields it does not carry are absent from `values`."""

    stripe_id: str
    currency: str
    line: int
    column: str
    values: dict[str, Any] = field(default_factory=dict)
    where: dict[str, tuple[int, str]] = field(default_factory=dict)
    automatic: bool = False  # a transaction's automatic_payout_id names it
    # Only the balance layout's payout rows name it: no need to create it if unknown.
    optional: bool = True

    def state(self, name: str, value: Any, line: int, column: str, problems: _Problems) -> None:
        if name in self.values and self.values[name] != value:
            first_line, first_column = self.where[name]
            problems.add(
                f"payout {self.stripe_id} has {_show(self.values[name])} in {first_column} on line {first_line}, "
                f"here {_show(value)}",
                line,
                column,
            )
            return
        self.values[name] = value
        self.where.setdefault(name, (line, column))


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return f"'{value.astimezone(UTC):%Y-%m-%d %H:%M:%S}'"
    if value is None:
        return "nothing"
    return f"'{value}'"


@dataclass
class ParsedFile:
    layout: Layout
    txns: list[TxnRow]
    payouts: dict[str, PayoutFacts]
    notes: list[str]
    ignored_columns: list[str]

    @property
    def latest(self) -> datetime | None:
        """The latest time the file dates a transaction by (its effective time, else created)."""
        times = [t.effective_at or t.available_on for t in self.txns]
        return max(times, default=None)


# Parsing ----------------------------------------------------------------------------------------


class _DecimalMark:
    """The file's decimal mark: set by its first amount with decimals; the other mark is then a problem."""

    def __init__(self) -> None:
        self.mark: str | None = None
        self.where = ""

    def check(self, text: str, line: int, column: str) -> str | None:
        """Return why `text` breaks the file's mark, or None."""
        mark = "," if "," in text else "." if "." in text else None
        if mark is None or mark == self.mark:
            return None
        if self.mark is None:
            self.mark, self.where = mark, f"line {line}, column {column}"
            return None
        return f"'{text}' has '{mark}' as decimal mark where {self.where} has '{self.mark}'"


class _Row:
    """Typed access to one record's cells; every failure becomes a problem at its line and column."""

    def __init__(
        self,
        line: int,
        cells: list[str | None],
        index: dict[str, tuple[str, int]],
        problems: _Problems,
        decimal: _DecimalMark | None = None,
    ) -> None:
        self.line = line
        self.cells = cells
        self.index = index
        self.problems = problems
        self.decimal = decimal or _DecimalMark()
        self.ok = True

    def has(self, name: str) -> bool:
        return name in self.index

    def column(self, name: str) -> str:
        return self.index[name][0]

    def raw(self, name: str) -> str | None:
        if name not in self.index:
            return None
        return self.cells[self.index[name][1]]

    def fail(self, name: str, reason: str) -> None:
        self.ok = False
        self.problems.add(reason, self.line, self.column(name) if name in self.index else name)

    def _value(self, name: str, required: bool) -> str | None:
        value = self.raw(name)
        if value is None or (value == "" and required):
            if required:
                self.fail(name, "empty; a value is required")
            return None
        return value

    def text(self, name: str, max_length: int, *, required: bool = False) -> str | None:
        value = self._value(name, required) if required else self.raw(name)
        if value is not None and len(value) > max_length:
            self.fail(name, f"longer than {max_length} characters")
            return None
        return value

    def currency(self, name: str, *, required: bool = False) -> str | None:
        value = self._value(name, required)
        if value is None or value == "":
            return None
        code = value.lower()
        if code not in EXPONENTS:
            self.fail(name, f"unknown currency '{value}'")
            return None
        return code

    def amount(self, name: str, currency: str | None, *, required: bool = False) -> int | None:
        value = self._value(name, required)
        if value is None or value == "" or currency is None:
            return None
        try:
            amount = parse_amount(value, currency)
        except _Bad as exc:
            self.fail(name, str(exc))
            return None
        if (reason := self.decimal.check(value, self.line, self.column(name))) is not None:
            self.fail(name, reason)
            return None
        return amount

    def boolean(self, name: str) -> bool | None:
        value = self.raw(name)
        if value is None or value == "":
            return None
        if value not in ("true", "false"):
            self.fail(name, f"'{value}' is not a boolean (true or false)")
            return None
        return value == "true"

    def timestamp(self, name: str, *, required: bool = False) -> datetime | None:
        value = self._value(name, required)
        if value is None or value == "":
            return None
        try:
            return parse_timestamp(value)
        except _Bad as exc:
            self.fail(name, str(exc))
            return None

    def category(self, name: str, allowed: Iterable[str]) -> str | None:
        value = self._value(name, True)
        if value is None:
            return None
        if value not in allowed:
            self.fail(name, f"unknown reporting category '{value}'")
            return None
        return value


@dataclass
class _Header:
    index: dict[str, tuple[str, int]]  # field -> (column name, position)
    notes: list[str]
    ignored: list[str]
    metadata: list[tuple[str, str, int]]  # (field, key, position) of `payment_metadata[KEY]` columns


def _header(
    cells: list[str | None], columns: dict[str, tuple[str, ...]], required: Sequence[str], problems: _Problems
) -> _Header:
    """Map fields to (column name, position), metadata columns to their field and key."""
    names = [(c or "").strip() for c in cells]
    positions: dict[str, int] = {}
    for i, name in enumerate(names):
        if not name:
            problems.add(f"column {i + 1} has no name", 1)
        elif name in positions:
            problems.add("appears twice in the header", 1, name)
        else:
            positions[name] = i
    index: dict[str, tuple[str, int]] = {}
    notes: list[str] = []
    used: set[str] = set()
    for name, candidates in columns.items():
        found = next((c for c in candidates if c in positions), None)
        if found is None:
            if name in required:
                problems.add(f"missing; a {_layout_name(columns)} file needs it", 1, candidates[0])
            continue
        index[name] = (found, positions[found])
        used.update(c for c in candidates if c in positions)
        if found != candidates[0] and candidates[0].endswith("_utc"):
            notes.append(
                f"Column {found} was read as UTC (the file has no {candidates[0]}); "
                "if the report was run in another time zone, export it with the _utc columns."
            )
    metadata: list[tuple[str, str, int]] = []
    if columns is _BALANCE_COLUMNS:
        for name, position in positions.items():
            if (match := METADATA_COLUMN.fullmatch(name)) is not None:
                metadata.append((match[1], match[2], position))
                used.add(name)
    ignored = [n for n in names if n and n not in used]
    return _Header(index, notes, ignored, metadata)


def _layout_name(columns: dict[str, tuple[str, ...]]) -> str:
    return PAYOUTS if columns is _PAYOUTS_COLUMNS else BALANCE


def parse(data: bytes | str) -> ParsedFile:
    """Read and validate a whole file without touching the database; raise LedgerImportError."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LedgerImportError([Problem(f"the file is not UTF-8 text (byte {exc.start})")]) from None
    else:
        text = data.removeprefix("\ufeff")
    records = read_records(text)
    first = next(records, None)
    if first is None:
        raise LedgerImportError([Problem("the file is empty")])
    header = first[1]
    layout: Layout = PAYOUTS if "payout_id" in {(c or "").strip() for c in header} else BALANCE
    columns, required = (
        (_PAYOUTS_COLUMNS, _PAYOUTS_REQUIRED) if layout == PAYOUTS else (_BALANCE_COLUMNS, _BALANCE_REQUIRED)
    )
    problems = _Problems()
    parsed = ParsedFile(layout, [], {}, [], [])
    decimal = _DecimalMark()
    try:
        head = _header(header, columns, required, problems)
        parsed.notes, parsed.ignored_columns = head.notes, head.ignored
        problems.raise_if_any()
        seen: dict[str, TxnRow] = {}
        for line, cells in _guarded(records, problems):
            if cells == [None]:
                continue  # a blank line
            if len(cells) != len(header):
                problems.add(f"{len(cells)} cells where the header has {len(header)}", line)
                continue
            row = _Row(line, cells, head.index, problems, decimal)
            if layout == BALANCE:
                txn = _balance_row(row, parsed.payouts)
                if txn is not None:
                    txn.details.update(_metadata(cells, head.metadata))
            else:
                txn = _payouts_row(row, parsed.payouts)
            if txn is None:
                continue
            earlier = seen.get(txn.stripe_id)
            if earlier is None:
                seen[txn.stripe_id] = txn
                parsed.txns.append(txn)
            elif (difference := _difference(earlier, txn)) is not None:
                problems.add(f"{txn.stripe_id} is also on line {earlier.line} with other values", line, difference)
            # An identical repeat adds nothing.
    except _TooMany:
        problems.items.append(Problem(f"stopped after {MAX_PROBLEMS} problems"))
    problems.raise_if_any()
    if decimal.mark == ",":
        parsed.notes.append("Amounts were read with ',' as the decimal mark (a decimal_separator=',' export).")
    return parsed


def _metadata(cells: list[str | None], columns: list[tuple[str, str, int]]) -> dict[str, dict[str, str]]:
    """The metadata objects a row's `payment_metadata[KEY]` cells give; an empty cell is an absent key."""
    objects: dict[str, dict[str, str]] = {}
    for name, key, position in columns:
        value = cells[position]
        if value is not None:
            objects.setdefault(name, {})[key] = value
    return objects


def _guarded(
    records: Iterator[tuple[int, list[str | None]]], problems: _Problems
) -> Iterator[tuple[int, list[str | None]]]:
    """The records up to a line that is not CSV, which becomes one more problem."""
    try:
        yield from records
    except LedgerImportError as exc:
        for problem in exc.problems:
            problems.add(problem.reason, problem.line, problem.column)


def _difference(a: TxnRow, b: TxnRow) -> str | None:
    for name, column in b.stated.items():
        if a.value(name) != b.value(name):
            return column
    return None


def _amounts(row: _Row, currency: str | None, sign: int) -> tuple[int, int, int] | None:
    gross = row.amount("gross", currency, required=True)
    fee = row.amount("fee", currency, required=True)
    net = row.amount("net", currency, required=True)
    if gross is None or fee is None or net is None:
        return None
    if net != gross - fee:
        row.fail("net", f"'{row.raw('net')}' is not gross - fee ({row.raw('gross')} - {row.raw('fee')})")
        return None
    return sign * gross, sign * fee, sign * net


def _balance_row(row: _Row, payouts: dict[str, PayoutFacts]) -> TxnRow | None:
    bt = BalanceTransaction
    stripe_id = row.text("stripe_id", _max_length(bt, "stripe_id"), required=True)
    created = row.timestamp("created", required=True)
    available_on = row.timestamp("available_on", required=True)
    currency = row.currency("currency", required=True)
    amounts = _amounts(row, currency, 1)
    category = row.category("reporting_category", REPORTING_CATEGORIES)
    source_id = row.text("source_id", _max_length(bt, "source_id")) or ""
    details = _details(row, currency)
    automatic_payout = row.text("automatic_payout_id", _max_length(Payout, "stripe_id")) or None
    automatic_effective = row.timestamp("automatic_payout_effective_at")
    # Written blank-as-null: null in the file is "" on the payout.
    traces = {name: row.text(name, _max_length(Payout, name)) or "" for name in ("trace_id", "trace_id_status")}
    if (
        not row.ok
        or stripe_id is None
        or created is None
        or available_on is None
        or currency is None
        or amounts is None
        or category is None
    ):
        return None
    amount, fee, net = amounts
    line = row.line
    if automatic_payout is not None:
        facts = _facts(payouts, automatic_payout, currency, row, "automatic_payout_id")
        if facts is None:
            return None
        facts.automatic = True
        facts.optional = False
        if automatic_effective is not None:
            facts.state(
                "effective_at", automatic_effective, line, row.column("automatic_payout_effective_at"), row.problems
            )
        for name, trace in traces.items():
            if row.has(name):
                facts.state(name, trace, line, row.column(name), row.problems)
    payout = None
    effective_at: datetime | None = created
    if category in PAYOUT_CATEGORIES and source_id.startswith("po_"):
        # Reconciliation exports list payouts too; their source is the payout.
        payout = source_id
        if category == "payout":
            effective_at = None  # the payout's effective time, resolved against the ledger
            facts = _facts(payouts, payout, currency, row, "source_id")
            if facts is None:
                return None
            facts.state("amount", -amount, line, row.column("gross"), row.problems)
            facts.state("fee", fee, line, row.column("fee"), row.problems)
    stated = {
        "amount": row.column("gross"),
        "fee": row.column("fee"),
        "net": row.column("net"),
        "currency": row.column("currency"),
        "reporting_category": row.column("reporting_category"),
    }
    if category not in PAYOUT_CATEGORIES:
        # A payout's transaction may have come from a payouts export, which has only
        # its effective time: its creation and availability there are stand-ins.
        stated.update(
            created=row.column("created"), available_on=row.column("available_on"), effective_at=row.column("created")
        )
    stated.update((name, row.column(name)) for name in IDENTIFIERS if row.has(name))
    return TxnRow(
        line=line,
        stripe_id=stripe_id,
        type=TYPES.get(category, category),
        reporting_category=category,
        amount=amount,
        fee=fee,
        net=net,
        currency=currency,
        created=created,
        available_on=available_on,
        effective_at=effective_at,
        source_id=source_id,
        payout=payout,
        automatic_payout=automatic_payout,
        details=details,
        stated=stated,
        payout_optional=True,
    )


def _details(row: _Row, currency: str | None) -> dict[str, Any]:
    """The optional columns of the balance layout that the file has, as ledger fields."""
    bt = BalanceTransaction
    details: dict[str, Any] = {name: row.text(name, _max_length(bt, name)) for name in _BALANCE_TEXT if row.has(name)}
    if row.has("customer_facing_currency"):
        details["customer_facing_currency"] = row.currency("customer_facing_currency")
    if row.has("customer_facing_amount"):
        cf_currency = details.get("customer_facing_currency")
        if row.raw("customer_facing_amount") and cf_currency is None and row.ok:
            row.fail("customer_facing_amount", "needs a customer_facing_currency")
        details["customer_facing_amount"] = row.amount("customer_facing_amount", cf_currency)
    if row.has("charge_created"):
        details["charge_created"] = row.timestamp("charge_created")
    if row.has("is_link"):
        details["is_link"] = row.boolean("is_link")
    if row.has("application_fee"):
        details["application_fee"] = row.amount("application_fee", currency)
    return details


def _facts(
    payouts: dict[str, PayoutFacts], stripe_id: str, currency: str, row: _Row, column: str
) -> PayoutFacts | None:
    facts = payouts.get(stripe_id)
    if facts is None:
        facts = payouts[stripe_id] = PayoutFacts(stripe_id, currency, row.line, row.column(column))
    elif facts.currency != currency:
        row.fail(
            "currency", f"payout {stripe_id} is in {facts.currency} on line {facts.line}; a payout has one currency"
        )
        return None
    return facts


def _payouts_row(row: _Row, payouts: dict[str, PayoutFacts]) -> TxnRow | None:
    payout_id = row.text("payout_id", _max_length(Payout, "stripe_id")) or None
    effective_at = row.timestamp("effective_at", required=True)
    currency = row.currency("currency", required=True)
    # The bank's view: a payout is positive here and negative in the ledger.
    amounts = _amounts(row, currency, -1)
    category = row.category("reporting_category", PAYOUT_CATEGORIES)
    stripe_id = row.text("stripe_id", _max_length(BalanceTransaction, "stripe_id"), required=True)
    details: dict[str, Any] = {"description": row.text("description", _max_length(BalanceTransaction, "description"))}
    if row.has("application_fee"):
        details["application_fee"] = row.amount("application_fee", currency)
    if row.has("regulatory_tag"):
        details["regulatory_tag"] = row.text("regulatory_tag", _max_length(BalanceTransaction, "regulatory_tag"))
    state: dict[str, Any] = {}
    if row.has("arrival_date"):
        state["arrival_date"] = row.timestamp("arrival_date")
    if row.has("status"):
        status = row.raw("status")
        if status is not None and status not in Payout.Status.values:
            row.fail("status", f"unknown payout status '{status}' (one of {', '.join(Payout.Status.values)})")
        state["status"] = status
    if row.has("reversed_at"):
        state["reversed_at"] = row.timestamp("reversed_at")
    if row.has("type"):
        state["type"] = row.text("type", _max_length(Payout, "type"))
    if row.has("payout_description"):
        state["description"] = row.text("payout_description", _max_length(Payout, "description")) or ""
    for name in ("destination_id", "trace_id", "trace_id_status"):
        if row.has(name):
            # Written blank-as-null: null in the file is "" in the ledger.
            state[name] = row.text(name, _max_length(Payout, name)) or ""
    if (
        not row.ok
        or effective_at is None
        or currency is None
        or amounts is None
        or category is None
        or stripe_id is None
    ):
        return None
    amount, fee, net = amounts
    if payout_id is not None:
        facts = _facts(payouts, payout_id, currency, row, "payout_id")
        if facts is None:
            return None
        facts.optional = False
        for name, value in state.items():
            if name == "arrival_date" and value is None:
                continue  # unknown, not "no arrival"
            if name in ("status", "type") and value is None:
                continue  # the model's default stays
            column = row.column("payout_description" if name == "description" else name)
            facts.state(name, value, row.line, column, row.problems)
        if category == "payout":
            facts.state("effective_at", effective_at, row.line, row.column("effective_at"), row.problems)
            facts.state("amount", -amount, row.line, row.column("gross"), row.problems)
            facts.state("fee", fee, row.line, row.column("fee"), row.problems)
    kind = category
    if category == "payout_reversal":
        kind = "payout_cancel" if state.get("status") == Payout.Status.CANCELED else "payout_failure"
    return TxnRow(
        line=row.line,
        stripe_id=stripe_id,
        type=kind,
        reporting_category=category,
        amount=amount,
        fee=fee,
        net=net,
        currency=currency,
        # The file has only the effective time: a manual payout's creation, an
        # automatic payout's arrival, a reversal's return to the balance.
        created=effective_at,
        available_on=effective_at,
        effective_at=effective_at,
        source_id=payout_id or "",
        payout=payout_id,
        details=details,
        stated={
            "amount": row.column("gross"),
            "fee": row.column("fee"),
            "net": row.column("net"),
            "currency": row.column("currency"),
            "reporting_category": row.column("reporting_category"),
            "effective_at": row.column("effective_at"),
            **({"source_id": row.column("payout_id")} if row.has("payout_id") else {}),
        },
    )


# Writing -------------------------------------------------------------------------------------

_T = TypeVar("_T")


def _chunks(items: Sequence[_T], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class ImportResult:
    layout: Layout
    rows: int = 0  # transactions in the file
    added: int = 0
    skipped: int = 0  # already in the ledger, identical
    links_added: int = 0  # existing transactions linked to their payout now
    payouts_created: int = 0
    payouts_updated: int = 0
    watermark: datetime | None = None  # set when the import advanced it
    notes: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"{self.layout} file, {self.rows} transaction{'s' if self.rows != 1 else ''}: "
            f"{self.added} added, {self.skipped} already in the ledger (skipped).",
            f"Payouts: {self.payouts_created} created, {self.payouts_updated} updated; "
            f"{self.links_added} existing transaction{'s' if self.links_added != 1 else ''} linked to a payout.",
        ]
        if self.watermark is not None:
            lines.append(f"Data complete through {self.watermark:%Y-%m-%d %H:%M:%S} UTC.")
        if self.ignored_columns:
            shown = ", ".join(self.ignored_columns[:12])
            more = f" and {len(self.ignored_columns) - 12} more" if len(self.ignored_columns) > 12 else ""
            lines.append(f"Columns the ledger does not keep (ignored): {shown}{more}.")
        lines.extend(self.notes)
        return "\n".join(lines)


def _display(name: str, value: Any, currency: str, sign: int) -> str:
    if isinstance(value, datetime):
        return f"'{value.astimezone(UTC):%Y-%m-%d %H:%M:%S}'"
    if name in ("amount", "fee", "net") and isinstance(value, int):
        return f"'{format_amount(sign * value, currency)}'"
    return f"'{value}'"


def _payout_display(name: str, value: Any, currency: str, layout: Layout) -> str:
    """A payout's amount or fee as the file writes it (payouts: the bank's view; balance: the ledger's)."""
    if name == "amount":
        return _display(name, value, currency, 1 if layout == PAYOUTS else -1)
    if name == "fee":
        return _display(name, value, currency, -1 if layout == PAYOUTS else 1)
    return _display(name, value, currency, 1)


@transaction.atomic
def write(parsed: ParsedFile, *, account: Account, livemode: bool) -> ImportResult:
    """Check the rows against the ledger, then insert them; all or nothing (one transaction)."""
    problems = _Problems()
    result = ImportResult(parsed.layout, rows=len(parsed.txns), notes=list(parsed.notes))
    result.ignored_columns = list(parsed.ignored_columns)
    sign = -1 if parsed.layout == PAYOUTS else 1
    # No ordering: SQLite would pick the index that gives it over the one that finds the ids.
    ledger = BalanceTransaction.objects.for_mode(account, livemode).order_by()
    payouts = Payout.objects.for_mode(account, livemode).order_by()

    txn_ids = [t.stripe_id for t in parsed.txns]
    existing_txns: dict[str, dict[str, Any]] = {}
    compared = ("amount", "fee", "net", "currency", "reporting_category", "created", "available_on", "effective_at")
    for chunk in _chunks(txn_ids):
        for values in ledger.filter(stripe_id__in=chunk).values(
            "pk", "stripe_id", *compared, *IDENTIFIERS, "payout__stripe_id", "automatic_payout__stripe_id"
        ):
            existing_txns[values["stripe_id"]] = values
    payout_ids = sorted(
        set(parsed.payouts)
        | {t.payout for t in parsed.txns if t.payout}
        | {t.automatic_payout for t in parsed.txns if t.automatic_payout}
    )
    existing: dict[str, Payout] = {}
    complete: set[str] = set()  # payouts whose own transaction is in the ledger: amount and fee known
    for chunk in _chunks(payout_ids):
        existing.update((p.stripe_id, p) for p in payouts.filter(stripe_id__in=chunk))
        complete.update(
            ledger.filter(payout__stripe_id__in=chunk, reporting_category="payout").values_list(
                "payout__stripe_id", flat=True
            )
        )

    try:
        new_payouts, payout_updates = _plan_payouts(parsed, existing, complete, account, livemode, problems)
        effective = {p.stripe_id: p.effective_at for p in [*existing.values(), *new_payouts]}
        new_txns, link_updates = _plan_txns(parsed, existing_txns, effective, sign, problems, result)
    except _TooMany:
        problems.items.append(Problem(f"stopped after {MAX_PROBLEMS} problems"))
    problems.raise_if_any()

    # Everything checked: write.
    Payout.objects.bulk_create(new_payouts, batch_size=BATCH_SIZE)
    pks = {p.stripe_id: p.pk for p in existing.values()}
    if any(p.pk is None for p in new_payouts):  # a database without RETURNING
        for chunk in _chunks([p.stripe_id for p in new_payouts]):
            pks.update(payouts.filter(stripe_id__in=chunk).values_list("stripe_id", "pk"))
    else:
        pks.update((p.stripe_id, p.pk) for p in new_payouts)
    for pk, changes in payout_updates:
        # Payouts carry state (status, reversal, trace) that later exports update;
        # the ledger's amounts live on the transactions, which never change.
        Payout.objects.filter(pk=pk).update(**changes)
    result.payouts_created = len(new_payouts)
    result.payouts_updated = len(payout_updates)

    models = []
    for txn, payout in new_txns:
        model = _model(txn, account, livemode)
        model.payout_id = pks[payout] if payout else None
        model.automatic_payout_id = pks[txn.automatic_payout] if txn.automatic_payout else None
        models.append(model)
    BalanceTransaction.objects.bulk_create(models, batch_size=BATCH_SIZE)
    for pk, links in link_updates:
        BalanceTransaction.objects.filter(pk=pk).update(**{name: pks[ref] for name, ref in links.items()})
    result.added = len(new_txns)
    result.links_added = len(link_updates)
    return result


def _plan_payouts(
    parsed: ParsedFile,
    existing: dict[str, Payout],
    complete: set[str],
    account: Account,
    livemode: bool,
    problems: _Problems,
) -> tuple[list[Payout], list[tuple[int, dict[str, Any]]]]:
    new: list[Payout] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    for stripe_id, facts in parsed.payouts.items():
        values = facts.values
        payout = existing.get(stripe_id)
        if payout is None:
            if facts.optional:
                continue  # only a balance-layout payout row names it: leave it unlinked
            effective_at = values.get("effective_at")
            if effective_at is None:
                problems.add(
                    f"payout {stripe_id} is not in the ledger and this file does not say when it took effect; "
                    "import the export that has it (its payout row, or automatic_payout_effective_at) first",
                    facts.line,
                    facts.column,
                )
                continue
            arrival = values.get("arrival_date", effective_at)
            # Automatic: transactions name it as their automatic payout, or (a payouts
            # export alone) it took effect at its expected arrival (design.md).
            automatic = facts.automatic or effective_at == arrival
            state = {name: values[name] for name in PAYOUT_STATE_FIELDS if name in values}
            state["arrival_date"] = arrival
            new.append(
                Payout(
                    account=account,
                    livemode=livemode,
                    stripe_id=stripe_id,
                    # Unknown until the payout's own row is imported (a placeholder from the balance layout).
                    amount=values.get("amount", 0),
                    fee=values.get("fee", 0),
                    currency=facts.currency,
                    automatic=automatic,
                    # The files do not carry the creation time: a manual payout's is its
                    # effective time; an automatic payout's is unknown and taken as the same.
                    created=effective_at,
                    effective_at=effective_at,
                    **state,
                )
            )
            continue
        if payout.currency != facts.currency:
            problems.add(
                f"payout {stripe_id} is in {payout.currency} in the ledger, not {facts.currency}",
                facts.line,
                facts.column,
            )
            continue
        changes: dict[str, Any] = {}
        for name in ("effective_at", "amount", "fee"):
            if name not in values or values[name] == getattr(payout, name):
                continue
            if name != "effective_at" and stripe_id not in complete:
                changes[name] = values[name]  # a placeholder gets its amounts
                continue
            line, column = facts.where[name]
            old = _payout_display(name, getattr(payout, name), payout.currency, parsed.layout)
            new_value = _payout_display(name, values[name], payout.currency, parsed.layout)
            problems.add(f"payout {stripe_id} is in the ledger with {column} {old}, not {new_value}", line, column)
        for name in PAYOUT_STATE_FIELDS:
            if name in values and values[name] != getattr(payout, name):
                changes[name] = values[name]
        if facts.automatic and not payout.automatic:
            changes["automatic"] = True
        if changes:
            updates.append((payout.pk, changes))
    # Created in order of effective time, then id, whatever the file's row order: payouts
    # taking effect together then keep one order (the reports break such ties by key).
    new.sort(key=lambda p: (p.effective_at, p.stripe_id))
    return new, updates


def _plan_txns(
    parsed: ParsedFile,
    existing: dict[str, dict[str, Any]],
    effective: dict[str, datetime],
    sign: int,
    problems: _Problems,
    result: ImportResult,
) -> tuple[list[tuple[TxnRow, str | None]], list[tuple[int, dict[str, str]]]]:
    """Return the rows to insert (with the payout each moves) and the links to add to existing rows."""
    new: list[tuple[TxnRow, str | None]] = []
    links: list[tuple[int, dict[str, str]]] = []
    unlinked: list[str] = []
    for txn in parsed.txns:
        payout = txn.payout
        if payout is not None and payout not in effective:
            if not txn.payout_optional:
                # Reported by _plan_payouts (the payout cannot be created).
                continue
            unlinked.append(payout)
            payout = None
        if txn.effective_at is None:
            txn.effective_at = effective.get(txn.payout or "", txn.available_on)
        row = existing.get(txn.stripe_id)
        if row is None:
            new.append((txn, payout))
            continue
        for name, column in txn.stated.items():
            if _disagree(name, row[name], txn.value(name)):
                old = _display(name, row[name], row["currency"], sign)
                value = _display(name, txn.value(name), txn.currency, sign)
                problems.add(f"{txn.stripe_id} is in the ledger with {column} {old}, not {value}", txn.line, column)
                break
        else:
            result.skipped += 1
            changes: dict[str, str] = {}
            for name, ref in (("payout", payout), ("automatic_payout", txn.automatic_payout)):
                current = row[f"{name}__stripe_id"]
                if ref is None or current == ref:
                    continue
                if current is None:
                    changes[name] = ref
                    continue
                column = "automatic_payout_id" if name == "automatic_payout" else _payout_column(parsed.layout)
                problems.add(
                    f"{txn.stripe_id} is in the ledger with {name.replace('_', ' ')} {current}, not {ref}",
                    txn.line,
                    column,
                )
            if changes:
                links.append((row["pk"], changes))
    if unlinked:
        names = ", ".join(sorted(set(unlinked))[:5])
        result.notes.append(
            f"{len(unlinked)} payout transaction(s) name payouts the ledger does not have ({names}); "
            "they are imported unlinked: import the payouts export to link them."
        )
    return new, links


def _disagree(name: str, ledger: Any, file: Any) -> bool:
    if name in IDENTIFIERS and (ledger in (None, "") or file in (None, "")):
        return False  # one side does not know it (an older export, a narrower one)
    return bool(ledger != file)


def _payout_column(layout: Layout) -> str:
    return "payout_id" if layout == PAYOUTS else "source_id"


def _model(txn: TxnRow, account: Account, livemode: bool) -> BalanceTransaction:
    assert txn.effective_at is not None
    return BalanceTransaction(
        account=account,
        livemode=livemode,
        stripe_id=txn.stripe_id,
        type=txn.type,
        reporting_category=txn.reporting_category,
        amount=txn.amount,
        fee=txn.fee,
        net=txn.net,
        currency=txn.currency,
        created=txn.created,
        available_on=txn.available_on,
        effective_at=txn.effective_at,
        source_id=txn.source_id,
        **txn.details,
    )


# The whole import ----------------------------------------------------------------------------


def import_ledger(
    data: bytes | str,
    *,
    account: Account,
    livemode: bool,
    door: Door,
    actor: Any = None,
    filename: str = "",
    dry_run: bool = False,
) -> ImportResult:
    """Parse, check and write a file in one transaction; advance the watermark; record the event.

    The watermark moves to the latest time the file dates a transaction by (the
    balance family's date: created, or a payout's effective time), never past
    now and never backwards.
    """
    parsed = parse(data)
    with transaction.atomic():
        # One import per account at a time (a row lock on PostgreSQL; SQLite's
        # immediate transactions already serialise writers).
        list(Account.objects.select_for_update().filter(pk=account.pk).values_list("pk", flat=True))
        result = write(parsed, account=account, livemode=livemode)
        latest = parsed.latest
        if latest is not None:
            latest = min(latest, timezone.now())
            current = DataWatermark.current(account, livemode)
            if current is None or latest > current:
                DataWatermark.advance(account, livemode, latest)
                result.watermark = latest
        Event.record(
            Event.Action.LEDGER_IMPORTED,
            door=door,
            account=account,
            livemode=livemode,
            actor=actor,
            file=filename,
            layout=parsed.layout,
            rows=result.added,
            skipped=result.skipped,
            payouts_created=result.payouts_created,
            payouts_updated=result.payouts_updated,
            links_added=result.links_added,
        )
        if dry_run:
            transaction.set_rollback(True)
    return result
