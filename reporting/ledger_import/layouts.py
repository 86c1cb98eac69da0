"""The two layouts of Stripe's itemized reports, and which column of a file carries which field.

The header tells the layouts apart (any version, any choice of columns):

- `balance_change_from_activity.itemized.*` (and the reconciliation types that
  share its columns): one balance transaction per line. `automatic_payout_id`
  links each to the automatic payout that settled it; a payout the ledger does
  not know yet is created from `automatic_payout_effective_at` as a
  placeholder that a payouts export completes later.
- `payouts.itemized.*` (a file with a `payout_id` column): one payout or
  payout-reversal transaction per line, seen from the bank (a payout is
  positive there, so every amount is negated into the ledger), plus the
  payout's own columns (expected arrival, status, ...).

Every column of every itemized version is read (the balance layout's
customer, address, card, invoice, Connect and `payment_metadata[KEY]` /
`refund_metadata[KEY]` / `transfer_metadata[KEY]` columns too); any other
column is named in the result as ignored. A `_utc` column is read in
preference to its local twin; a twin alone (`created`) is read as UTC and the
result says so when the file was run in a time zone. Two bare names are UTC in
the versions without a `timezone` parameter (`automatic_payout_effective_at`,
`payout_reversed_at`): read alone, they are noted only when the file has
another column that only the time-zone versions have.

A balance file may carry Stripe's balance transaction `type` (as a
balance-transactions export does): the ledger keeps it, and a file without a
`reporting_category` column gets the category `category_of` derives from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reporting.models.ledger import SOURCE_TEXT_FIELDS
from reporting.reports.base import METADATA_COLUMN

from .problems import Problems

Layout = Literal["balance_change_from_activity.itemized", "payouts.itemized"]
BALANCE: Layout = "balance_change_from_activity.itemized"
PAYOUTS: Layout = "payouts.itemized"

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
    # Stripe's balance transaction type (a balance-transactions export has it): stored
    # as the ledger's type, and the category derived from it when the file has none.
    "type": ("type",),
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
BALANCE_TEXT = ("description", *SOURCE_TEXT_FIELDS)
_BALANCE_COLUMNS.update((name, (name,)) for name in BALANCE_TEXT)
# And reporting_category or type (read_header).
_BALANCE_REQUIRED = ("stripe_id", "created", "available_on", "currency", "gross", "fee", "net")
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
    "order_id",
    "connected_account_id",
    "destination_payment_id",
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

# Each layout's columns, and the fields a file in it must have.
_COLUMNS: dict[Layout, tuple[dict[str, tuple[str, ...]], tuple[str, ...]]] = {
    BALANCE: (_BALANCE_COLUMNS, _BALANCE_REQUIRED),
    PAYOUTS: (_PAYOUTS_COLUMNS, _PAYOUTS_REQUIRED),
}

# Bare names that the versions without a `timezone` parameter write in UTC
# (payouts.itemized.1/.2, and the balance-layout versions before the local twins):
# alone, they say nothing of the time zone the file was run in.
UTC_WITHOUT_TIMEZONE = ("automatic_payout_effective_at", "payout_reversed_at")
# Columns only the time-zone versions have: every other bare twin, and the `_utc`
# twins of the names above. A file with one of them was run in a time zone.
_TIMEZONE_ONLY = frozenset(
    name
    for columns in (_BALANCE_COLUMNS, _PAYOUTS_COLUMNS)
    for candidates in columns.values()
    if len(candidates) == 2 and candidates[0].endswith("_utc")
    for name in candidates
    if (name in UTC_WITHOUT_TIMEZONE) == name.endswith("_utc")
)


def layout_of(cells: list[str | None]) -> Layout:
    """Tell the layout from the header: a payouts file has a `payout_id` column."""
    return PAYOUTS if "payout_id" in {(c or "").strip() for c in cells} else BALANCE


@dataclass
class Header:
    index: dict[str, tuple[str, int]]  # field -> (column name, position)
    notes: list[str]
    ignored: list[str]
    metadata: list[tuple[str, str, int]]  # (field, key, position) of `payment_metadata[KEY]` columns


def read_header(cells: list[str | None], layout: Layout, problems: Problems) -> Header:
    """Map fields to (column name, position), metadata columns to their field and key."""
    columns, required = _COLUMNS[layout]
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
    in_timezone = not _TIMEZONE_ONLY.isdisjoint(positions)
    for name, candidates in columns.items():
        found = next((c for c in candidates if c in positions), None)
        if found is None:
            if name in required:
                problems.add(f"missing; a {layout} file needs it", 1, candidates[0])
            continue
        index[name] = (found, positions[found])
        used.update(c for c in candidates if c in positions)
        if found != candidates[0] and candidates[0].endswith("_utc") and (found in _TIMEZONE_ONLY or in_timezone):
            notes.append(
                f"Column {found} was read as UTC (the file has no {candidates[0]}); "
                "if the report was run in another time zone, export it with the _utc columns."
            )
    if layout == BALANCE and "reporting_category" not in index and "type" not in index:
        problems.add(f"missing; a {layout} file needs it (or a type column to derive it from)", 1, "reporting_category")
    metadata: list[tuple[str, str, int]] = []
    if layout == BALANCE:
        for name, position in positions.items():
            if (match := METADATA_COLUMN.fullmatch(name)) is not None:
                metadata.append((match[1], match[2], position))
                used.add(name)
    ignored = [n for n in names if n and n not in used]
    return Header(index, notes, ignored, metadata)
