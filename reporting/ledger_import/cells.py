"""Turn one record's cells into typed values, each failure a problem at its line and column.

Cells follow Stripe's files: amounts in major units with the currency's
exponent; times `YYYY-MM-DD HH:MM:SS`; booleans `true`/`false`. Amounts may use
`,` as the decimal mark (a report run with `decimal_separator=","`): the first
amount with decimals sets the file's mark, and an amount with the other one is
a problem.

Text cells are read in the file's form (reporting.spreadsheet): in a
spreadsheet-safe file the `'` that protects a formula-like value is dropped
(`'=HYPERLINK(...)` reads `=HYPERLINK(...)`); in a Stripe-exact file every
cell is its value. Only text is affected: amounts, times and booleans are
read the same either way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from django.db import models

from reporting.currencies import EXPONENTS
from reporting.models import BalanceTransaction, Payout
from reporting.spreadsheet import QUOTE, is_protected

from .problems import Problems

_AMOUNT = re.compile(r"-?(\d+)(?:[.,](\d+))?")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_BIGINT = 2**63 - 1


class _Bad(Exception):
    """A cell's value is wrong; the message is the reason."""


def parse_amount(text: str, currency: str) -> int:
    """Turn major units as written by Stripe ("-12.50", or "-12,50") into integer minor units (-1250), exactly."""
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
    """Read `YYYY-MM-DD HH:MM:SS` as a time in UTC (cached: exports repeat midnights and payout times)."""
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
def max_length(model: type[BalanceTransaction] | type[Payout], name: str) -> int:
    """Return the longest text the ledger keeps in this field."""
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    assert model_field.max_length is not None
    return int(model_field.max_length)


class DecimalMark:
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


class TextForm:
    """The file's form of text cells, and how many cells it changed or could have.

    A cell that starts with `'` and then a formula character is the only kind
    the two forms read apart: the counts say how many there were, so the
    result can tell an importer who chose the wrong form.
    """

    def __init__(self, spreadsheet_safe: bool = True) -> None:
        self.spreadsheet_safe = spreadsheet_safe
        self.quoted = 0  # cells that start with ' and a formula character

    def read(self, value: str) -> str:
        if value[:1] != QUOTE or not is_protected(value):
            return value
        self.quoted += 1
        return value[1:] if self.spreadsheet_safe else value

    def notes(self) -> list[str]:
        if not self.quoted:
            return []
        if self.spreadsheet_safe:
            return [
                f"{self.quoted} text cell(s) starting with ' and =, +, -, @, a tab or a carriage return were read "
                "without that first ' (the file was read as spreadsheet-safe). A file written Stripe-exact, as "
                "Stripe's own files are, should be imported with the Stripe-exact form."
            ]
        return [
            f"{self.quoted} text cell(s) starting with ' and =, +, -, @, a tab or a carriage return were kept as "
            "written (the file was read as Stripe-exact). A file written spreadsheet-safe should be imported "
            "with the spreadsheet-safe form."
        ]


class Row:
    """Typed access to one record's cells; every failure becomes a problem at its line and column."""

    def __init__(
        self,
        line: int,
        cells: list[str | None],
        index: dict[str, tuple[str, int]],
        problems: Problems,
        decimal: DecimalMark | None = None,
        text_form: TextForm | None = None,
    ) -> None:
        self.line = line
        self.cells = cells
        self.index = index
        self.problems = problems
        self.decimal = decimal or DecimalMark()
        self.text_form = text_form or TextForm()
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

    def text(self, name: str, limit: int, *, required: bool = False) -> str | None:
        value = self._value(name, required)
        if value is not None:
            value = self.text_form.read(value)
        if value is not None and len(value) > limit:
            self.fail(name, f"longer than {limit} characters")
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
