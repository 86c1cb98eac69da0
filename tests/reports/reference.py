"""A second, deliberately plain implementation of the report files: the oracle of test_fast_paths.py.

It shares nothing with reporting.reports but the ledger models and the Params
container: rows are read with ordinary ORM loops and filtered, sorted and
formatted in Python, one value at a time, straight from Stripe's format
(docs: report-types.md §2, §3 and §6). Speed does not matter here; being
obviously right does.

- CSV: every non-null value in double quotes with quotes doubled, null as an
  empty cell, the header quoted too, LF after every line, UTF-8.
- Amounts: integer minor units shown in major units with the currency's
  ISO 4217 number of decimals (written out below), "-" for negatives; the
  run's `decimal_separator` replaces the decimal point.
- Timestamps: `YYYY-MM-DD HH:MM:SS`, fractions of a second dropped: in UTC for
  `*_utc` columns, in the run's timezone for their twins without the suffix.
- Metadata columns `payment_metadata[KEY]` (refund_, transfer_): the value under
  KEY, empty when the object or the key is missing.
- Rows: half-open [interval_start, interval_end) on effective_at, ordered by
  effective_at then primary key; the payout reconciliation lists the rows of
  each automatic payout together, payouts in order of arrival.

Types: every itemized type of the balance, payouts and reconciliation families
(one row per transaction), balance.summary.1 (eight lines per currency) and the
summaries by category (a line per currency and category, then a `total`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from reporting.models import BalanceTransaction
from reporting.reports import Params

# ISO 4217 minor units of the currencies the ledger accepts, by number of decimals.
_ZERO_DECIMALS = ("clp", "isk", "jpy", "krw", "vnd", "xof")
_THREE_DECIMALS = ("bhd", "jod", "kwd", "omr", "tnd")
_TWO_DECIMALS = (
    "aud", "brl", "cad", "chf", "czk", "dkk", "eur", "gbp", "hkd",
    "inr", "mxn", "nok", "nzd", "pln", "sek", "sgd", "usd",
)  # fmt: skip
DECIMALS: dict[str, int] = {
    **dict.fromkeys(_ZERO_DECIMALS, 0),
    **dict.fromkeys(_TWO_DECIMALS, 2),
    **dict.fromkeys(_THREE_DECIMALS, 3),
}

PAYOUT_CATEGORIES = {"payout", "payout_reversal"}

ACTIVITY = "balance_change_from_activity.itemized.1"
PAYOUTS = "payouts.itemized.1"
SUMMARY = "balance.summary.1"
ACTIVITY_SUMMARY = "balance_change_from_activity.summary.1"
PAYOUTS_SUMMARY = "payouts.summary.1"
RECONCILIATION_SUMMARY = "payout_reconciliation.summary.1"
BY_ID_SUMMARY = "payout_reconciliation.by_id.summary.1"
ENDING_SUMMARY = "ending_balance_reconciliation.summary.1"


# Cells


def amount(minor: int | None, currency: str | None, separator: str = ".") -> str | None:
    if minor is None:
        return None
    assert currency is not None, "an amount without a currency has no format"
    places = DECIMALS[currency]
    major = Decimal(minor) / (Decimal(10) ** places)
    return format(major.quantize(Decimal(1).scaleb(-places)), "f").replace(".", separator)


def when(moment: datetime | None, zone: ZoneInfo | None = None) -> str | None:
    if moment is None:
        return None
    u = moment.astimezone(zone or UTC)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d} {u.hour:02d}:{u.minute:02d}:{u.second:02d}"


def plain(value: Any) -> str | None:
    return None if value is None else str(value)


def empty_is_null(value: str | None) -> str | None:
    # Fields that store "not applicable" as "" (source_id, the payout's bank fields).
    return None if value in (None, "") else value


def truth(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def line(cells: Sequence[str | None]) -> str:
    quoted = []
    for cell in cells:
        if cell is None:
            quoted.append("")
        else:
            quoted.append('"' + cell.replace('"', '""') + '"')
    return ",".join(quoted) + "\n"


def _payout_field(txn: BalanceTransaction, relation: str, name: str) -> Any:
    payout = getattr(txn, relation)
    return None if payout is None else getattr(payout, name)


def _flipped(value: int | None) -> int | None:
    # The payouts report looks from the bank's side: a payout is positive.
    return None if value is None else -value


# Column catalogue (report-types.md §2.3, §2.4, §3), written out here, not imported.

ADDRESS_COLUMNS = [
    f"{address}_{part}"
    for address in ("customer_shipping_address", "customer_address", "shipping_address", "card_address")
    for part in ("line1", "line2", "city", "state", "postal_code", "country")
]
# Every balance-transaction column, in the order of a real all-columns export.
ALL_TRANSACTION_COLUMNS = [
    "balance_transaction_id",
    "created_utc",
    "created",
    "available_on_utc",
    "available_on",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "source_id",
    "description",
    "customer_facing_amount",
    "customer_facing_currency",
    "trace_id",
    "trace_id_status",
    "automatic_payout_id",
    "automatic_payout_effective_at_utc",
    "automatic_payout_effective_at",
    "customer_id",
    "customer_email",
    "customer_name",
    "customer_description",
    *ADDRESS_COLUMNS,
    "charge_id",
    "payment_intent_id",
    "charge_created_utc",
    "charge_created",
    "invoice_id",
    "invoice_number",
    "subscription_id",
    "payment_method_type",
    "is_link",
    "card_brand",
    "card_funding",
    "card_country",
    "statement_descriptor",
    "dispute_reason",
    "connected_account_id",
    "connected_account_name",
    "connected_account_country",
    "connected_account_direct_charge_id",
    "application_fee",
    "regulatory_tag",
]
LOCAL_TWINS = {"created", "available_on", "automatic_payout_effective_at", "charge_created"}
# The first versions' smaller set (as shipped since issue 3).
BASIC_COLUMNS = [
    "balance_transaction_id",
    "created_utc",
    "available_on_utc",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "source_id",
    "description",
    "customer_facing_amount",
    "customer_facing_currency",
    "automatic_payout_id",
    "automatic_payout_effective_at_utc",
    "customer_id",
    "customer_email",
    "charge_id",
    "payment_method_type",
    "card_brand",
    "card_country",
    "dispute_reason",
]
TRACE_COLUMNS = {"trace_id", "trace_id_status"}
# Only platforms and Brazilian accounts fill these: the latest versions' union adds them.
RARE_COLUMNS = {"connected_account_direct_charge_id", "application_fee", "regulatory_tag"}
PAYOUT_FIRST = ["automatic_payout_id", "automatic_payout_effective_at_utc", "automatic_payout_effective_at"]


def _without(names: list[str], *drop: set[str]) -> list[str]:
    dropped = set().union(*drop)
    return [n for n in names if n not in dropped]


def _payout_first(names: list[str]) -> list[str]:
    """The reconciliation order: the settling payout's id and arrival, then the rest."""
    return [n for n in PAYOUT_FIRST if n in names] + [n for n in names if n not in PAYOUT_FIRST]


ACTIVITY_DEFAULT = [
    "balance_transaction_id",
    "created_utc",
    "available_on_utc",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "description",
]
ACTIVITY_DEFAULT_LOCAL = [n.removesuffix("_utc") for n in ACTIVITY_DEFAULT]
RECONCILIATION_DEFAULT = ["automatic_payout_id", "automatic_payout_effective_at_utc", *ACTIVITY_DEFAULT]
RECONCILIATION_DEFAULT_LOCAL = [n.removesuffix("_utc") for n in RECONCILIATION_DEFAULT]
# Version 1 of the payout reconciliation names the arrival without `_utc`, yet writes it in UTC.
RECONCILIATION_V1 = [
    "automatic_payout_effective_at" if n == "automatic_payout_effective_at_utc" else n
    for n in _payout_first(BASIC_COLUMNS)
]
RECONCILIATION_DEFAULT_V1 = ["automatic_payout_id", "automatic_payout_effective_at", *ACTIVITY_DEFAULT]
RECONCILIATION_V2 = _payout_first(_without(ALL_TRANSACTION_COLUMNS, LOCAL_TWINS, TRACE_COLUMNS, RARE_COLUMNS))
RECONCILIATION_V3 = _payout_first(_without(ALL_TRANSACTION_COLUMNS, LOCAL_TWINS, RARE_COLUMNS))
RECONCILIATION_V4 = _payout_first(_without(ALL_TRANSACTION_COLUMNS, RARE_COLUMNS))
RECONCILIATION_V5 = _payout_first(ALL_TRANSACTION_COLUMNS)

PAYOUTS_ALL = [
    "payout_id",
    "effective_at_utc",
    "effective_at",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "balance_transaction_id",
    "description",
    "payout_expected_arrival_date",
    "payout_status",
    "payout_reversed_at_utc",
    "payout_reversed_at",
    "payout_type",
    "payout_description",
    "payout_destination_id",
    "trace_id",
    "trace_id_status",
    "application_fee",
]
PAYOUTS_LOCAL = {"effective_at", "payout_reversed_at"}
PAYOUTS_DEFAULT = [
    "payout_id",
    "effective_at_utc",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "balance_transaction_id",
    "description",
    "payout_expected_arrival_date",
    "payout_status",
]
PAYOUTS_DEFAULT_LOCAL = [n.removesuffix("_utc") for n in PAYOUTS_DEFAULT]

SUMMARY_COLUMNS = ["category", "description", "net_amount", "currency"]
CATEGORY_SUMMARY_COLUMNS = ["reporting_category", "currency", "count", "gross", "fee", "net"]


@dataclass(frozen=True)
class Itemized:
    rows: str  # activity | payouts | settled_in_interval | settled_by | unsettled_at
    columns: list[str]
    default: list[str]
    metadata: bool = False
    utc_arrival: bool = False  # `automatic_payout_effective_at` written in UTC (payout reconciliation v1)


ITEMIZED_TYPES: dict[str, Itemized] = {
    ACTIVITY: Itemized("activity", BASIC_COLUMNS, ACTIVITY_DEFAULT),
    "balance_change_from_activity.itemized.2": Itemized(
        "activity", _without(ALL_TRANSACTION_COLUMNS, LOCAL_TWINS), ACTIVITY_DEFAULT, metadata=True
    ),
    "balance_change_from_activity.itemized.3": Itemized(
        "activity", ALL_TRANSACTION_COLUMNS, ACTIVITY_DEFAULT_LOCAL, metadata=True
    ),
    PAYOUTS: Itemized("payouts", _without(PAYOUTS_ALL, PAYOUTS_LOCAL, {"application_fee"}), PAYOUTS_DEFAULT),
    "payouts.itemized.2": Itemized("payouts", _without(PAYOUTS_ALL, PAYOUTS_LOCAL), PAYOUTS_DEFAULT),
    "payouts.itemized.3": Itemized("payouts", PAYOUTS_ALL, PAYOUTS_DEFAULT_LOCAL),
    "payout_reconciliation.itemized.1": Itemized(
        "settled_in_interval", RECONCILIATION_V1, RECONCILIATION_DEFAULT_V1, utc_arrival=True
    ),
    "payout_reconciliation.itemized.2": Itemized(
        "settled_in_interval", RECONCILIATION_V2, RECONCILIATION_DEFAULT, metadata=True
    ),
    "payout_reconciliation.itemized.3": Itemized(
        "settled_in_interval", RECONCILIATION_V3, RECONCILIATION_DEFAULT, metadata=True
    ),
    "payout_reconciliation.itemized.4": Itemized(
        "settled_in_interval", RECONCILIATION_V4, RECONCILIATION_DEFAULT_LOCAL, metadata=True
    ),
    "payout_reconciliation.itemized.5": Itemized(
        "settled_in_interval", RECONCILIATION_V5, RECONCILIATION_DEFAULT_LOCAL, metadata=True
    ),
    "payout_reconciliation.by_id.itemized.1": Itemized(
        "settled_by", RECONCILIATION_V1, RECONCILIATION_DEFAULT_V1, utc_arrival=True
    ),
    "payout_reconciliation.by_id.itemized.2": Itemized(
        "settled_by", RECONCILIATION_V2, RECONCILIATION_DEFAULT, metadata=True
    ),
    "payout_reconciliation.by_id.itemized.3": Itemized(
        "settled_by", RECONCILIATION_V3, RECONCILIATION_DEFAULT, metadata=True
    ),
    "payout_reconciliation.by_id.itemized.4": Itemized(
        "settled_by", RECONCILIATION_V4, RECONCILIATION_DEFAULT_LOCAL, metadata=True
    ),
    "ending_balance_reconciliation.itemized.1": Itemized(
        "unsettled_at", _payout_first(BASIC_COLUMNS), ACTIVITY_DEFAULT
    ),
    "ending_balance_reconciliation.itemized.2": Itemized(
        "unsettled_at", RECONCILIATION_V3, ACTIVITY_DEFAULT, metadata=True
    ),
    "ending_balance_reconciliation.itemized.3": Itemized(
        "unsettled_at", RECONCILIATION_V4, ACTIVITY_DEFAULT_LOCAL, metadata=True
    ),
    "ending_balance_reconciliation.itemized.4": Itemized(
        "unsettled_at", RECONCILIATION_V5, ACTIVITY_DEFAULT_LOCAL, metadata=True
    ),
}
# Summaries by category: which transactions each one sums.
CATEGORY_SUMMARIES = {
    ACTIVITY_SUMMARY: "activity",
    PAYOUTS_SUMMARY: "payouts",
    RECONCILIATION_SUMMARY: "settled_in_interval",
    BY_ID_SUMMARY: "settled_by",
    ENDING_SUMMARY: "unsettled_at",
}

COLUMNS: dict[str, list[str]] = {
    **{name: spec.columns for name, spec in ITEMIZED_TYPES.items()},
    SUMMARY: SUMMARY_COLUMNS,
    **dict.fromkeys(CATEGORY_SUMMARIES, CATEGORY_SUMMARY_COLUMNS),
}
DEFAULTS: dict[str, list[str]] = {
    **{name: spec.default for name, spec in ITEMIZED_TYPES.items()},
    SUMMARY: SUMMARY_COLUMNS,
    **dict.fromkeys(CATEGORY_SUMMARIES, CATEGORY_SUMMARY_COLUMNS),
}


# Cells of one transaction

Cell = Callable[[BalanceTransaction, Params], str | None]
METADATA = re.compile(r"(payment_metadata|refund_metadata|transfer_metadata)\[(.+)\]", re.DOTALL)


def _money(field: str, currency_field: str = "currency", sign: int = 1) -> Cell:
    def cell(t: BalanceTransaction, p: Params) -> str | None:
        value = getattr(t, field)
        return amount(None if value is None else sign * value, getattr(t, currency_field), p.decimal_separator)

    return cell


def _utc(get: Callable[[BalanceTransaction], datetime | None]) -> Cell:
    return lambda t, p: when(get(t))


def _local(get: Callable[[BalanceTransaction], datetime | None]) -> Cell:
    return lambda t, p: when(get(t), p.timezone)


def _text(field: str) -> Cell:
    return lambda t, p: plain(getattr(t, field))


def _arrival(t: BalanceTransaction) -> datetime | None:
    return _payout_field(t, "automatic_payout", "effective_at")


TRANSACTION_CELLS: dict[str, Cell] = {
    "balance_transaction_id": lambda t, p: plain(t.stripe_id),
    "created_utc": _utc(lambda t: t.created),
    "created": _local(lambda t: t.created),
    "available_on_utc": _utc(lambda t: t.available_on),
    "available_on": _local(lambda t: t.available_on),
    "currency": _text("currency"),
    "gross": _money("amount"),
    "fee": _money("fee"),
    "net": _money("net"),
    "reporting_category": _text("reporting_category"),
    "source_id": lambda t, p: empty_is_null(t.source_id),
    "description": _text("description"),
    "customer_facing_amount": _money("customer_facing_amount", "customer_facing_currency"),
    "customer_facing_currency": _text("customer_facing_currency"),
    # The bank trace of the automatic payout that settled the transaction.
    "trace_id": lambda t, p: empty_is_null(_payout_field(t, "automatic_payout", "trace_id")),
    "trace_id_status": lambda t, p: empty_is_null(_payout_field(t, "automatic_payout", "trace_id_status")),
    "automatic_payout_id": lambda t, p: plain(_payout_field(t, "automatic_payout", "stripe_id")),
    "automatic_payout_effective_at_utc": _utc(_arrival),
    "automatic_payout_effective_at": _local(_arrival),
    **{name: _text(name) for name in ("customer_id", "customer_email", "customer_name", "customer_description")},
    **{name: _text(name) for name in ADDRESS_COLUMNS},
    "charge_id": _text("charge_id"),
    "payment_intent_id": _text("payment_intent_id"),
    "charge_created_utc": _utc(lambda t: t.charge_created),
    "charge_created": _local(lambda t: t.charge_created),
    **{name: _text(name) for name in ("invoice_id", "invoice_number", "subscription_id", "payment_method_type")},
    "is_link": lambda t, p: truth(t.is_link),
    **{
        name: _text(name)
        for name in (
            "card_brand",
            "card_funding",
            "card_country",
            "statement_descriptor",
            "dispute_reason",
            "connected_account_id",
            "connected_account_name",
            "connected_account_country",
            "connected_account_direct_charge_id",
        )
    },
    "application_fee": _money("application_fee"),
    "regulatory_tag": _text("regulatory_tag"),
}

PAYOUT_CELLS: dict[str, Cell] = {
    "payout_id": lambda t, p: plain(_payout_field(t, "payout", "stripe_id")),
    "effective_at_utc": _utc(lambda t: t.effective_at),
    "effective_at": _local(lambda t: t.effective_at),
    "currency": _text("currency"),
    "gross": _money("amount", sign=-1),
    "fee": _money("fee", sign=-1),
    "net": _money("net", sign=-1),
    "reporting_category": _text("reporting_category"),
    "balance_transaction_id": lambda t, p: plain(t.stripe_id),
    "description": _text("description"),
    "payout_expected_arrival_date": _utc(lambda t: _payout_field(t, "payout", "arrival_date")),
    "payout_status": lambda t, p: plain(_payout_field(t, "payout", "status")),
    "payout_reversed_at_utc": _utc(lambda t: _payout_field(t, "payout", "reversed_at")),
    "payout_reversed_at": _local(lambda t: _payout_field(t, "payout", "reversed_at")),
    "payout_type": lambda t, p: plain(_payout_field(t, "payout", "type")),
    "payout_description": lambda t, p: plain(_payout_field(t, "payout", "description")),
    "payout_destination_id": lambda t, p: empty_is_null(_payout_field(t, "payout", "destination_id")),
    "trace_id": lambda t, p: empty_is_null(_payout_field(t, "payout", "trace_id")),
    "trace_id_status": lambda t, p: empty_is_null(_payout_field(t, "payout", "trace_id_status")),
    # Only platforms earn application fees on payouts; this ledger holds none.
    "application_fee": lambda t, p: None,
}


def _metadata(t: BalanceTransaction, field: str, key: str) -> str | None:
    values = getattr(t, field)
    if values is None or key not in values:
        return None
    return plain(values[key])


def cell_for(report_type: str, name: str) -> Cell:
    spec = ITEMIZED_TYPES[report_type]
    if spec.rows == "payouts":
        return PAYOUT_CELLS[name]
    if spec.utc_arrival and name == "automatic_payout_effective_at":
        return _utc(_arrival)
    match = METADATA.fullmatch(name) if spec.metadata else None
    if match:
        field, key = match[1], match[2]
        return lambda t, p: _metadata(t, field, key)
    return TRANSACTION_CELLS[name]


# Rows


def _account_ledger(params: Params) -> list[BalanceTransaction]:
    """Every transaction of the account's mode, with currency and category filters applied in Python."""
    everything = BalanceTransaction.objects.filter(
        account_id=params.account_id, livemode=params.livemode
    ).select_related("payout", "automatic_payout")
    kept = []
    for t in everything:
        if params.currency and t.currency != params.currency:
            continue
        if params.reporting_category and t.reporting_category != params.reporting_category:
            continue
        kept.append(t)
    return kept


def _in_interval(rows: list[BalanceTransaction], params: Params) -> list[BalanceTransaction]:
    start, end = params.interval_start, params.interval_end
    assert start is not None
    assert end is not None
    inside = [t for t in rows if start <= t.effective_at < end]
    return sorted(inside, key=lambda t: (t.effective_at, t.pk))


def _by_payout(rows: list[BalanceTransaction]) -> list[BalanceTransaction]:
    # Payout by payout in order of arrival (ties: the payout made first), then in ledger order.
    return sorted(
        rows, key=lambda t: (t.automatic_payout.effective_at, t.automatic_payout.stripe_id, t.effective_at, t.pk)
    )


def _settled_in_interval(params: Params) -> list[BalanceTransaction]:
    start, end = params.interval_start, params.interval_end
    assert start is not None
    assert end is not None
    return _by_payout(
        [
            t
            for t in _account_ledger(params)
            if t.automatic_payout is not None and start <= t.automatic_payout.effective_at < end
        ]
    )


def _settled_by(params: Params) -> list[BalanceTransaction]:
    return _by_payout(
        [
            t
            for t in _account_ledger(params)
            if t.automatic_payout is not None and t.automatic_payout.stripe_id == params.payout
        ]
    )


def _unsettled_at(params: Params) -> list[BalanceTransaction]:
    """Dated before interval_end, and not yet taken out of the balance by an automatic payout that left before it.

    An automatic payout's own transaction is the other side of what it settled, so it is never listed.
    """
    end = params.interval_end
    assert end is not None
    kept = []
    for t in _account_ledger(params):
        if t.effective_at >= end:
            continue
        if t.automatic_payout is not None and t.automatic_payout.effective_at < end:
            continue
        if t.reporting_category == "payout" and t.payout is not None and t.payout.automatic:
            continue
        kept.append(t)
    return sorted(kept, key=lambda t: (t.effective_at, t.pk))


def _rows(kind: str, params: Params) -> list[BalanceTransaction]:
    if kind == "activity":
        return [
            t for t in _in_interval(_account_ledger(params), params) if t.reporting_category not in PAYOUT_CATEGORIES
        ]
    if kind == "payouts":
        return [t for t in _in_interval(_account_ledger(params), params) if t.reporting_category in PAYOUT_CATEGORIES]
    if kind == "settled_in_interval":
        return _settled_in_interval(params)
    if kind == "settled_by":
        return _settled_by(params)
    assert kind == "unsettled_at"
    return _unsettled_at(params)


def _itemized(report_type: str, params: Params) -> tuple[bytes, int]:
    spec = ITEMIZED_TYPES[report_type]
    names = list(params.columns) or spec.default
    cells = [cell_for(report_type, n) for n in names]
    rows = _rows(spec.rows, params)
    text = line(names) + "".join(line([cell(t, params) for cell in cells]) for t in rows)
    return text.encode("utf-8"), len(rows)


def _summary(params: Params) -> tuple[bytes, int]:
    names = list(params.columns) or SUMMARY_COLUMNS
    start, end = params.interval_start, params.interval_end
    assert start is not None
    assert end is not None
    zone = params.timezone
    first_day = start.astimezone(zone).date()
    # The last day included: the day of the last microsecond before the (exclusive) end.
    last_day = (end - timedelta(microseconds=1)).astimezone(zone).date()
    by_currency: dict[str, list[BalanceTransaction]] = {}
    for t in _account_ledger(params):
        if t.effective_at < end:
            by_currency.setdefault(t.currency, []).append(t)
    out = [line(names)]
    count = 0
    for currency in sorted(by_currency):
        txns = by_currency[currency]
        starting = sum(t.net for t in txns if t.effective_at < start)
        period = [t for t in txns if t.effective_at >= start]
        activity = [t for t in period if t.reporting_category not in PAYOUT_CATEGORIES]
        payouts = [t for t in period if t.reporting_category in PAYOUT_CATEGORIES]
        activity_gross = sum(t.amount for t in activity)
        activity_fee = sum(t.fee for t in activity)
        payouts_gross = sum(t.amount for t in payouts)
        payouts_fee = sum(t.fee for t in payouts)
        activity_total = activity_gross - activity_fee
        payouts_total = payouts_gross - payouts_fee
        ending = starting + activity_total + payouts_total
        lines = [
            ("starting_balance", f"Starting balance ({first_day.isoformat()})", starting),
            ("activity_gross", "Account activity before fees", activity_gross),
            ("activity_fee", "Less fees", -activity_fee),
            ("activity", "Activity", activity_total),
            ("payouts_gross", "Payouts to bank", payouts_gross),
            ("payouts_fee", "Payout fees", -payouts_fee),
            ("payouts", "Total payouts", payouts_total),
            ("ending_balance", f"Ending balance ({last_day.isoformat()})", ending),
        ]
        for category, description, minor in lines:
            cells = {
                "category": category,
                "description": description,
                "net_amount": amount(minor, currency, params.decimal_separator),
                "currency": currency,
            }
            out.append(line([cells[n] for n in names]))
            count += 1
    return "".join(out).encode("utf-8"), count


def _category_summary(report_type: str, params: Params) -> tuple[bytes, int]:
    """One line per (currency, category) of the summed transactions, then a `total` per currency."""
    names = list(params.columns) or CATEGORY_SUMMARY_COLUMNS
    groups: dict[str, dict[str, list[BalanceTransaction]]] = {}
    for t in _rows(CATEGORY_SUMMARIES[report_type], params):
        groups.setdefault(t.currency, {}).setdefault(t.reporting_category, []).append(t)
    out = [line(names)]
    count = 0
    for currency in sorted(groups):
        everything = []
        lines = []
        for category in sorted(groups[currency]):
            txns = groups[currency][category]
            everything += txns
            lines.append((category, txns))
        lines.append(("total", everything))
        for category, txns in lines:
            gross = sum(t.amount for t in txns)
            fee = sum(t.fee for t in txns)
            separator = params.decimal_separator
            cells = {
                "reporting_category": category,
                "currency": currency,
                "count": str(len(txns)),
                "gross": amount(gross, currency, separator),
                # Written negative, like the balance summary's "Less fees": gross + fee = net.
                "fee": amount(-fee, currency, separator),
                "net": amount(gross - fee, currency, separator),
            }
            out.append(line([cells[n] for n in names]))
            count += 1
    return "".join(out).encode("utf-8"), count


def reference_write(report_type: str, params: Params) -> tuple[bytes, int]:
    """The report file's bytes and its number of data rows, computed the plain way."""
    if report_type in ITEMIZED_TYPES:
        return _itemized(report_type, params)
    if report_type == SUMMARY:
        return _summary(params)
    if report_type in CATEGORY_SUMMARIES:
        return _category_summary(report_type, params)
    raise ValueError(f"no reference for {report_type}")
