"""How pages write counts, amounts, days and times for the person reading them: one home for the dashboard and admin.

The active language (reporting.middleware) decides the separators and the order
of a date (1,234.56 and 12/06/2026 in en-us, 1.234,56 and 06.12.2026 in de); the
active time zone decides the clock, and every time names its zone. What machines
read (report files, the API's JSON, form inputs, data attributes, URLs) never
comes through here: it keeps plain decimals and ISO dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils import formats, timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString

from reporting.currencies import EXPONENTS

# The day an <input type="date"> holds, whatever the language (Django's DateInput would write the
# language's own form, 06.12.2026, which the browser's date input cannot read).
ISO_DAY = "%Y-%m-%d"


def count(number: int) -> str:
    """A count with the language's thousands separator: 12345 -> "12,345" (en), "12.345" (de)."""
    return formats.number_format(number, force_grouping=True)


def amount(value: Decimal, currency: str) -> str:
    """An amount in major units with the currency's decimals, grouped: 1234.5 usd -> "1,234.50" (en), "1.234,50" (de)."""
    places = EXPONENTS.get(currency.lower(), 2)
    return formats.number_format(value, decimal_pos=places, force_grouping=True)


def minor_amount(minor: int, currency: str) -> str:
    """Integer minor units as `amount` writes them: 123450 usd -> "1,234.50"; an unknown currency's units as stored."""
    places = EXPONENTS.get(currency.lower())
    if places is None:
        return count(minor)
    return amount(Decimal(minor).scaleb(-places), currency)


def day(value: date) -> str:
    """A calendar day in the language's short form: 12/06/2026 (en-us), 06.12.2026 (de), 06/12/2026 (en-gb)."""
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def long_day(value: date) -> str:
    """A day as a sentence writes it: Dec. 6, 2026 (en-us), 6 Dec 2026 (en-gb), 6. Dezember 2026 (de)."""
    return formats.date_format(value, "DATE_FORMAT")


def month(value: date) -> str:
    """A month, short: "Dec 2026" (en), "Dez 2026" (de)."""
    return formats.date_format(value, "M Y")


def moment(value: datetime) -> str:
    """A time in the current zone, named: "12/06/2026 3:20 p.m. CET" (en-us), "06.12.2026 15:20 CET" (de)."""
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def moment_html(value: datetime | None, empty: str = "") -> SafeString | str:
    """`moment` in a <time> element whose datetime attribute keeps the instant for machines (ISO 8601, UTC)."""
    if value is None:
        return empty
    return format_html('<time datetime="{}">{}</time>', value.astimezone(UTC).isoformat(), moment(value))


def supported_language(code: str) -> str | None:
    """`code` as one of settings.LANGUAGES (de-at -> de), or None when none fits (empty, or a language since dropped)."""
    try:
        return translation.get_supported_language_variant(code) if code else None
    except LookupError:
        return None
