"""Spreadsheet-safe text cells: the form that keeps a spreadsheet from running a report's text as a formula.

Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-`
or `@` as a formula (a tab or carriage return in front is skipped, so those
count too): a customer name `=HYPERLINK("http://evil.example/x","click")` in a
report becomes a live link, `@SUM(1+1)*cmd|' /C calc'!A0` a command on older
Excel. OWASP's guidance ("CSV Injection") is to put a `'` in front of such
cells, which every spreadsheet reads as "this is text".

The rule, on text cells only (amounts, counts, times and booleans are never
touched, so `-12.50` stays a number):

- written (`protect`): a value that starts with any number of `'` (none
  included) followed by one of `= + - @ TAB CR` gets one more `'` in front:
  `=1+1` -> `'=1+1`, `'=1+1` -> `''=1+1`; every other value is written as is
  (`'Tis`, `'`, `a=b` too);
- read (`unprotect`): a value that starts with one or more `'` followed by one
  of those characters loses its first `'`; every other value is read as is.

Every value written that way reads back as itself, and the form of a cell
never depends on the rest of the file. Only values that already start with
`'`s and a trigger gain a `'` they did not have, which is what makes the rule
reversible: a file in this form never holds a cell starting with a trigger.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

# The characters that make a spreadsheet read a cell as a formula (OWASP), and `'`.
TRIGGERS = "=+-@\t\r"
QUOTE = "'"
_TRIGGER_SET = frozenset(TRIGGERS)
_FIRST = frozenset(TRIGGERS + QUOTE)
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


class CellFormat(models.TextChoices):
    """How a report file writes its text cells; an account's setting, copied onto each run."""

    SPREADSHEET_SAFE = "spreadsheet_safe", _("Spreadsheet-safe (formula-like text starts with ')")
    STRIPE_EXACT = "stripe_exact", _("Stripe-exact (text exactly as Stripe writes it)")


def protect(value: str) -> str:
    """Return the value as a spreadsheet-safe cell holds it."""
    if value[:1] in _FIRST and _NEEDS_QUOTE.match(value):
        return QUOTE + value
    return value


def is_protected(value: str) -> bool:
    """Tell whether a spreadsheet-safe cell's value carries a `'` that `protect` added."""
    return value[:1] == QUOTE and _QUOTED.match(value) is not None


def unprotect(value: str) -> str:
    """Return the value a spreadsheet-safe cell stands for."""
    return value[1:] if is_protected(value) else value


def is_formula_like(value: str) -> bool:
    """Tell whether a spreadsheet would run this cell as a formula (it starts with a trigger)."""
    return value[:1] in _TRIGGER_SET
