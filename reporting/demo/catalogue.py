"""The demo business in figures: its currencies and prices, customers, and how often things happen.

Static tables the ledger generator (`reporting.demo.ledger`) draws from.
"""

from __future__ import annotations

from dataclasses import dataclass

# Expected balance transactions per charge: the charge, ~5% refunds, ~0.7%
# disputes of which ~40% are won back.
_ROWS_PER_CHARGE = 1.06
_REFUND_RATE = 0.05
_DISPUTE_RATE = 0.007
_DISPUTE_WON_RATE = 0.4
_FAILED_PAYOUT_RATE = 0.004
_WEEKDAY_WEIGHT = (1.0, 1.05, 1.05, 1.1, 1.15, 0.8, 0.7)
_MONTH_WEIGHT = {11: 1.2, 12: 1.35, 1: 0.85}
_EEA = frozenset({"AT", "BE", "DE", "ES", "FR", "IE", "IT", "NL"})
_BRANDS = ("Visa", "MasterCard", "American Express")
_BRAND_CUM_WEIGHTS = (55, 88, 100)
_DISPUTE_REASONS = (
    "fraudulent",
    "fraudulent",
    "product_not_received",
    "duplicate",
    "subscription_canceled",
    "product_unacceptable",
    "credit_not_processed",
    "general",
)
_FIRST_NAMES = (
    "anna", "ben", "carla", "david", "emma", "felix", "grace", "hiro", "ines", "jonas",
    "kate", "luca", "maya", "noah", "olivia", "paul", "rosa", "sam", "yuki", "zoe",
)  # fmt: skip
_LAST_NAMES = (
    "adams", "becker", "costa", "dubois", "evans", "fischer", "garcia", "hoffmann", "ito", "jansen",
    "keller", "lopez", "martin", "nakamura", "rossi", "schmidt", "smith", "tanaka", "weber", "young",
)  # fmt: skip
_ADJUSTMENTS = (
    "Adjustment for missed fee refund",
    "Goodwill credit",
    "Correction of a currency conversion",
    "Adjustment for duplicate fee",
)


@dataclass(frozen=True, slots=True)
class _Currency:
    code: str
    share: float  # of all charges
    peak_hour: float  # UTC hour when its customers buy most
    available_days: int  # from a transaction's creation day to its availability
    countries: tuple[str, ...]
    median: float  # median charge, major units
    unit: int  # minor units per major unit
    dispute_fee: int
    radar_fee: int  # per charge, billed monthly


_CURRENCIES = (
    _Currency("usd", 0.6, 19.0, 2, ("US",) * 8 + ("CA", "GB"), 45.0, 100, 1500, 5),
    _Currency(
        "eur", 0.3, 12.0, 3, ("DE", "DE", "DE", "FR", "FR", "NL", "ES", "IT", "AT", "BE", "IE"), 40.0, 100, 2000, 5
    ),
    _Currency("jpy", 0.1, 4.0, 4, ("JP",), 4500.0, 1, 1500, 7),
)

_CURRENCY_CUM_SHARES = tuple(sum(c.share for c in _CURRENCIES[: i + 1]) for i in range(len(_CURRENCIES)))


def _processing_fee(currency: _Currency, amount: int, country: str) -> int:
    # Stripe's list prices: 2.9% + 30c (+1.5% for international cards) in the US,
    # 1.5% + 25c for EEA cards in the euro area, 3.6% in Japan. Integer rounding.
    if currency.code == "jpy":
        return (amount * 36 + 500) // 1000
    if currency.code == "eur":
        permille = 15 if country in _EEA else 29
        return (amount * permille + 500) // 1000 + 25
    permille = 29 if country == "US" else 44
    return (amount * permille + 500) // 1000 + 30


# Source-object details (the itemized reports' wider columns) ------------------------------------

_FUNDINGS = ("credit", "debit")
_FUNDING_CUM_WEIGHTS = (60, 100)
_LINK_RATE = 0.12  # charges paid with Link
# Web-shop orders placed through Stripe Orders (an `order_` object behind the charge); the rest
# come from the shop's own checkout and only name their order number in metadata.
_STRIPE_ORDERS_RATE = 0.3
_CUSTOMER_DESCRIPTIONS = (
    "Wholesale account",
    "Gift card buyer",
    'Prefers "express" shipping',
    "Migrated from the old shop",
)
_CHANNELS = ("web", "web", "web", "ios", "android")
_CAMPAIGNS = ("SPRING-SALE", "NEWSLETTER", "BLACK-FRIDAY")
_PLANS = ("basic", "pro", "pro", "team")
_REFUND_REASONS = ("customer_request", "damaged_in_transit", "wrong_size", "duplicate_order")
_STATEMENT_DESCRIPTOR = "DEMOCO"
# The partner a share of the euro takings is transferred to each month (Connect).
_PARTNER = ("acct_1PartnerStudioDE0", "Partner Studio GmbH", "DE")
_REVENUE_SHARE_PERMILLE = 20


@dataclass(frozen=True, slots=True)
class _Place:
    city: str
    state: str  # "" where the country has no states in addresses
    postal_code: str
    street: str
    number_first: bool  # "12 High Street" rather than "Hauptstraße 12"


_PLACES: dict[str, tuple[_Place, ...]] = {
    "US": (
        _Place("Austin", "TX", "78701", "Congress Ave", True),
        _Place("Portland", "OR", "97205", "SW Morrison St", True),
        _Place("Brooklyn", "NY", "11201", "Atlantic Ave", True),
        _Place("Springfield", "IL", "62704", "Wabash Ave", True),
    ),
    "CA": (
        _Place("Toronto", "ON", "M5V 2T6", "King St W", True),
        _Place("Vancouver", "BC", "V6B 1A1", "Main St", True),
    ),
    # Stripe keeps what was typed, trailing space included (report-types.md §6).
    "GB": (
        _Place("London ", "", "SW1A 1AA", "High Street", True),
        _Place("Manchester", "", "M1 1AE", "Deansgate", True),
    ),
    "DE": (
        _Place("Berlin", "", "10115", "Invalidenstraße", False),
        _Place("München", "BY", "80331", "Sendlinger Straße", False),
        _Place("Hamburg", "", "20095", "Mönckebergstraße", False),
    ),
    "FR": (
        _Place("Paris", "", "75001", "Rue de Rivoli", True),
        _Place("Lyon", "", "69002", "Rue de la République", True),
    ),
    "NL": (_Place("Amsterdam", "", "1012 JS", "Damrak", False),),
    "ES": (_Place("Madrid", "M", "28013", "Calle Mayor", False),),
    "IT": (_Place("Milano", "MI", "20121", "Via Manzoni", False),),
    "AT": (_Place("Wien", "", "1010", "Kärntner Straße", False),),
    "BE": (_Place("Bruxelles", "", "1000", "Rue Neuve", False),),
    "IE": (_Place("Dublin", "D02", "D02 X285", "Grafton Street", True),),
    "JP": (
        _Place("Shibuya-ku", "Tokyo", "150-0002", "Shibuya 2-chome", True),
        _Place("Osaka", "Osaka", "530-0001", "Umeda", True),
    ),
}
