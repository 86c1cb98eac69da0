"""A cell and a line in Stripe's CSV format: amounts, timestamps, text, booleans and quoting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

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


def spreadsheet_safe(value: str | None) -> str | None:
    """A text cell as a spreadsheet-safe file writes it (OWASP's CSV injection advice, made reversible).

    A spreadsheet runs a cell starting with = + - @ tab or CR as a formula: it gets
    a ' in front. So does a value that is such a cell behind one or more 's, or
    reading the file back could not tell it from the first kind.
    """
    if value is None:
        return None
    behind_quotes = value.lstrip("'")
    if behind_quotes and behind_quotes[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


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
