"""Reading report files back: CSV rows, amounts in minor units and the lines of the summaries."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from reporting.currencies import exponent
from reporting.reports import Params, get_report

BALANCE = "balance.summary.1"
ACTIVITY_SUMMARY = "balance_change_from_activity.summary.1"
PAYOUTS_SUMMARY = "payouts.summary.1"
RECON_SUMMARY = "payout_reconciliation.summary.1"
BY_ID_SUMMARY = "payout_reconciliation.by_id.summary.1"
ENDING_SUMMARY = "ending_balance_reconciliation.summary.1"
ACTIVITY_ITEMIZED = [f"balance_change_from_activity.itemized.{v}" for v in (1, 2, 3)]
PAYOUTS_ITEMIZED = [f"payouts.itemized.{v}" for v in (1, 2, 3)]
RECON_ITEMIZED = [f"payout_reconciliation.itemized.{v}" for v in (1, 2, 3, 4, 5)]
BY_ID_ITEMIZED = [f"payout_reconciliation.by_id.itemized.{v}" for v in (1, 2, 3, 4)]
ENDING_ITEMIZED = [f"ending_balance_reconciliation.itemized.{v}" for v in (1, 2, 3, 4)]


def read(report_type: str, params: Params) -> list[dict[str, str]]:
    out = io.BytesIO()
    get_report(report_type).write(params, out)
    return list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"), newline="")))


def minor(cell: str, currency: str, separator: str = ".") -> int:
    """A major-unit amount cell as integer minor units; it must carry exactly the currency's decimals."""
    other = "," if separator == "." else "."
    assert other not in cell, f"{cell!r} written with the wrong decimal separator"
    value = Decimal(cell.replace(separator, "."))
    places = exponent(currency)
    assert value.as_tuple().exponent == -places, f"{cell!r} is not written with {places} decimals ({currency})"
    return int(value.scaleb(places))


def run(account_id: str, **kwargs) -> Params:
    return Params(account_id=account_id, livemode=False, **kwargs)


@dataclass
class Line:
    count: int = 0
    gross: int = 0
    fee: int = 0
    net: int = 0

    def __add__(self, other: Line) -> Line:
        return Line(self.count + other.count, self.gross + other.gross, self.fee + other.fee, self.net + other.net)


def category_summary(report_type: str, params: Params) -> dict[tuple[str, str], Line]:
    """{(currency, category): line} of a summary by category, `total` rows included, as written (fee negative)."""
    rows = read(report_type, params)
    lines: dict[tuple[str, str], Line] = {}
    for row in rows:
        cur = row["currency"]
        key = (cur, row["reporting_category"])
        assert key not in lines, f"{key} written twice"
        lines[key] = Line(int(row["count"]), minor(row["gross"], cur), minor(row["fee"], cur), minor(row["net"], cur))
    # Each currency's total row closes its block and adds up its category rows.
    for cur in {c for c, _ in lines}:
        parts = [line for (c, cat), line in lines.items() if c == cur and cat != "total"]
        assert parts, f"a total without categories for {cur}"
        assert lines[cur, "total"] == sum(parts, Line())
    for (_, _), line in lines.items():
        assert line.gross + line.fee == line.net  # fee written negative
    return lines


def itemized_sums(
    rows: list[dict[str, str]], separator: str = ".", *, flipped: bool = False
) -> dict[tuple[str, str], Line]:
    """Sum itemized rows per (currency, category) into the summaries' shape (fee negative, balance signs)."""
    sums: dict[tuple[str, str], Line] = defaultdict(Line)
    sign = -1 if flipped else 1  # payouts.itemized shows the bank's side: every amount flipped
    for row in rows:
        cur = row["currency"]
        gross, fee, net = (sign * minor(row[c], cur, separator) for c in ("gross", "fee", "net"))
        assert gross - fee == net
        line = Line(1, gross, -fee, net)
        sums[cur, row["reporting_category"]] += line
        sums[cur, "total"] += line
    return dict(sums)


def balance_blocks(params: Params) -> dict[str, dict[str, int]]:
    blocks: dict[str, dict[str, int]] = defaultdict(dict)
    for row in read(BALANCE, params):
        blocks[row["currency"]][row["category"]] = minor(row["net_amount"], row["currency"])
    return blocks


def add(x: dict[tuple[str, str], Line], y: dict[tuple[str, str], Line]) -> dict[tuple[str, str], Line]:
    return {key: x.get(key, Line()) + y.get(key, Line()) for key in x.keys() | y.keys()}
