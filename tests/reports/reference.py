"""A second, deliberately plain implementation of the report files: the oracle of test_fast_paths.py.

It shares nothing with reporting.reports but the ledger models and the Params
container: rows are read with ordinary ORM loops and filtered, sorted and
formatted in Python, one value at a time, straight from Stripe's format
(docs: report-types.md §6). Speed does not matter here; being obviously right does.

- CSV: every non-null value in double quotes with quotes doubled, null as an
  empty cell, the header quoted too, LF after every line, UTF-8.
- Amounts: integer minor units shown in major units with the currency's
  ISO 4217 number of decimals (written out below), "-" for negatives.
- Timestamps: `YYYY-MM-DD HH:MM:SS` in UTC, fractions of a second dropped.
- Rows: half-open [interval_start, interval_end) on effective_at, ordered by
  effective_at then primary key.

Types: balance_change_from_activity.itemized.1 and payouts.itemized.1 (one row
per transaction), balance.summary.1 (eight lines per currency) and the two
category summaries (a line per currency and category, then a `total`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

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


# Cells


def amount(minor: int | None, currency: str | None) -> str | None:
    if minor is None:
        return None
    assert currency is not None, "an amount without a currency has no format"
    places = DECIMALS[currency]
    major = Decimal(minor) / (Decimal(10) ** places)
    return format(major.quantize(Decimal(1).scaleb(-places)), "f")


def when(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    u = moment.astimezone(UTC)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d} {u.hour:02d}:{u.minute:02d}:{u.second:02d}"


def plain(value: Any) -> str | None:
    return None if value is None else str(value)


def empty_is_null(value: str | None) -> str | None:
    # Fields that store "not applicable" as "" (source_id, the payout's bank fields).
    return None if value in (None, "") else value


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


# Columns: name -> how one balance transaction becomes that cell

Cell = Callable[[BalanceTransaction], str | None]

ACTIVITY_COLUMNS: dict[str, Cell] = {
    "balance_transaction_id": lambda t: plain(t.stripe_id),
    "created_utc": lambda t: when(t.created),
    "available_on_utc": lambda t: when(t.available_on),
    "currency": lambda t: plain(t.currency),
    "gross": lambda t: amount(t.amount, t.currency),
    "fee": lambda t: amount(t.fee, t.currency),
    "net": lambda t: amount(t.net, t.currency),
    "reporting_category": lambda t: plain(t.reporting_category),
    "source_id": lambda t: empty_is_null(t.source_id),
    "description": lambda t: plain(t.description),
    "customer_facing_amount": lambda t: amount(t.customer_facing_amount, t.customer_facing_currency),
    "customer_facing_currency": lambda t: plain(t.customer_facing_currency),
    "automatic_payout_id": lambda t: plain(_payout_field(t, "automatic_payout", "stripe_id")),
    "automatic_payout_effective_at_utc": lambda t: when(_payout_field(t, "automatic_payout", "effective_at")),
    "customer_id": lambda t: plain(t.customer_id),
    "customer_email": lambda t: plain(t.customer_email),
    "charge_id": lambda t: plain(t.charge_id),
    "payment_method_type": lambda t: plain(t.payment_method_type),
    "card_brand": lambda t: plain(t.card_brand),
    "card_country": lambda t: plain(t.card_country),
    "dispute_reason": lambda t: plain(t.dispute_reason),
}
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

PAYOUTS_COLUMNS: dict[str, Cell] = {
    "payout_id": lambda t: plain(_payout_field(t, "payout", "stripe_id")),
    "effective_at_utc": lambda t: when(t.effective_at),
    "currency": lambda t: plain(t.currency),
    "gross": lambda t: amount(_flipped(t.amount), t.currency),
    "fee": lambda t: amount(_flipped(t.fee), t.currency),
    "net": lambda t: amount(_flipped(t.net), t.currency),
    "reporting_category": lambda t: plain(t.reporting_category),
    "balance_transaction_id": lambda t: plain(t.stripe_id),
    "description": lambda t: plain(t.description),
    "payout_expected_arrival_date": lambda t: when(_payout_field(t, "payout", "arrival_date")),
    "payout_status": lambda t: plain(_payout_field(t, "payout", "status")),
    "payout_reversed_at_utc": lambda t: when(_payout_field(t, "payout", "reversed_at")),
    "payout_type": lambda t: plain(_payout_field(t, "payout", "type")),
    "payout_description": lambda t: plain(_payout_field(t, "payout", "description")),
    "payout_destination_id": lambda t: empty_is_null(_payout_field(t, "payout", "destination_id")),
    "trace_id": lambda t: empty_is_null(_payout_field(t, "payout", "trace_id")),
    "trace_id_status": lambda t: empty_is_null(_payout_field(t, "payout", "trace_id_status")),
}
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

SUMMARY_COLUMNS = ["category", "description", "net_amount", "currency"]
CATEGORY_SUMMARY_COLUMNS = ["reporting_category", "currency", "count", "gross", "fee", "net"]

COLUMNS: dict[str, list[str]] = {
    ACTIVITY: list(ACTIVITY_COLUMNS),
    PAYOUTS: list(PAYOUTS_COLUMNS),
    SUMMARY: SUMMARY_COLUMNS,
    ACTIVITY_SUMMARY: CATEGORY_SUMMARY_COLUMNS,
    PAYOUTS_SUMMARY: CATEGORY_SUMMARY_COLUMNS,
}


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


def _itemized(params: Params, cells: dict[str, Cell], default: list[str], payouts: bool) -> tuple[bytes, int]:
    names = list(params.columns) or default
    rows = [
        t
        for t in _in_interval(_account_ledger(params), params)
        if (t.reporting_category in PAYOUT_CATEGORIES) == payouts
    ]
    text = line(names) + "".join(line([cells[n](t) for n in names]) for t in rows)
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
                "net_amount": amount(minor, currency),
                "currency": currency,
            }
            out.append(line([cells[n] for n in names]))
            count += 1
    return "".join(out).encode("utf-8"), count


def _category_summary(params: Params, payouts: bool) -> tuple[bytes, int]:
    """One line per (currency, category) with transactions in the interval, then a `total` per currency."""
    names = list(params.columns) or CATEGORY_SUMMARY_COLUMNS
    groups: dict[str, dict[str, list[BalanceTransaction]]] = {}
    for t in _in_interval(_account_ledger(params), params):
        if (t.reporting_category in PAYOUT_CATEGORIES) == payouts:
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
            cells = {
                "reporting_category": category,
                "currency": currency,
                "count": str(len(txns)),
                "gross": amount(gross, currency),
                # Written negative, like the balance summary's "Less fees": gross + fee = net.
                "fee": amount(-fee, currency),
                "net": amount(gross - fee, currency),
            }
            out.append(line([cells[n] for n in names]))
            count += 1
    return "".join(out).encode("utf-8"), count


def reference_write(report_type: str, params: Params) -> tuple[bytes, int]:
    """The report file's bytes and its number of data rows, computed the plain way."""
    if report_type == ACTIVITY:
        return _itemized(params, ACTIVITY_COLUMNS, ACTIVITY_DEFAULT, payouts=False)
    if report_type == PAYOUTS:
        return _itemized(params, PAYOUTS_COLUMNS, PAYOUTS_DEFAULT, payouts=True)
    if report_type == SUMMARY:
        return _summary(params)
    if report_type == ACTIVITY_SUMMARY:
        return _category_summary(params, payouts=False)
    if report_type == PAYOUTS_SUMMARY:
        return _category_summary(params, payouts=True)
    raise ValueError(f"no reference for {report_type}")
