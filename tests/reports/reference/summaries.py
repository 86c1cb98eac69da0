"""The balance summary (eight lines per currency) and the summaries by category (a line each, then a total)."""

from __future__ import annotations

from datetime import timedelta

from reporting.models import BalanceTransaction
from reporting.reports import Params

from .catalogue import CATEGORY_SUMMARIES, CATEGORY_SUMMARY_COLUMNS, PAYOUT_CATEGORIES, SUMMARY_COLUMNS
from .formatting import amount, line
from .rows import _account_ledger, _rows


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
