"""The one table of currency exponents (decimal places of the minor unit)."""

from __future__ import annotations

# ISO 4217 minor units for the currencies the ledger accepts. Stripe treats the
# zero-decimal ones (JPY, KRW, ...) as whole units and the three-decimal ones
# (BHD, KWD, ...) with three decimals.
EXPONENTS: dict[str, int] = {
    "usd": 2, "eur": 2, "gbp": 2, "chf": 2, "cad": 2, "aud": 2, "nzd": 2, "sek": 2,
    "nok": 2, "dkk": 2, "pln": 2, "czk": 2, "hkd": 2, "sgd": 2, "mxn": 2, "brl": 2,
    "inr": 2,
    "jpy": 0, "krw": 0, "vnd": 0, "clp": 0, "isk": 0, "xof": 0,
    "bhd": 3, "jod": 3, "kwd": 3, "omr": 3, "tnd": 3,
}  # fmt: skip

CURRENCY_CHOICES = sorted(EXPONENTS)


def exponent(currency: str) -> int:
    return EXPONENTS[currency.lower()]


def format_amount(minor: int, currency: str) -> str:
    """Format integer minor units as a plain major-unit decimal string: 1050 usd -> "10.50"."""
    places = EXPONENTS[currency]
    if places == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"
