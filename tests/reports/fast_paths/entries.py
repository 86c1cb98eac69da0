"""Random ledger entries for the fast-path properties: payouts, transactions and the strategies that draw them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from reporting.models import Payout
from reporting.models.ledger import ADDRESS_FIELDS, METADATA_FIELDS

CURRENCIES = ["usd", "eur", "jpy", "kwd"]  # 2, 2, 0 and 3 decimals
CATEGORIES = ["charge", "refund", "fee", "dispute", "other_adjustment", "payout", "payout_reversal"]
# Metadata keys: plain ones (looked up in SQL on both databases) and awkward ones.
METADATA_KEYS = ["order_id", "Channel", "a-b", "123", "ORDER_ID", 'we"ird', "a.b", "$x", "sp ace", "ключ", "a[b]", "*"]
# DST changes (UTC): New York and Berlin in spring and in autumn 2025.
DST_CHANGES = [
    datetime(2025, 3, 9, 7, tzinfo=UTC),
    datetime(2025, 3, 30, 1, tzinfo=UTC),
    datetime(2025, 10, 26, 1, tzinfo=UTC),
    datetime(2025, 11, 2, 6, tzinfo=UTC),
]


SPECIAL_TEXT = [
    "",
    " ",
    '"',
    '""',
    'Order "A", large',
    "a,b,,c",
    "line one\nline two",
    "line one\r\nline two",
    "\n",
    "\r\n",
    "ends with newline\n",
    "lone\rcarriage return",
    # Formula-like text (OWASP's CSV injection), and text that only looks protected.
    "=SUM(A1:A9)",
    '=HYPERLINK("http://x","y")',
    "+1 555",
    "-42",
    "@cmd",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tindented",
    "\r",
    "-",
    "'=1+1",
    "''-3",
    "'",
    "''",
    "'Tis",
    "a=b",
    "Café crème 🙂 日本語 Ünïcödé",
    "back\\slash",
    "\\N",
    "\\.",
    "tab\tseparated",
    "  trailing  ",
    "NULL",
    "x" * 300,
    ('"quoted", and\nnew lines ' * 25)[:500],
]
free_text = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    max_size=40,
)


def text_values(max_len: int, *, null: bool = True) -> st.SearchStrategy[str | None]:
    values = st.one_of(st.sampled_from(SPECIAL_TEXT), free_text).map(lambda s: s[:max_len])
    return st.one_of(st.none(), values) if null else values


amounts = st.one_of(
    st.sampled_from([0, 1, -1, 5, -5, 9, 10, -10, 99, 100, -100, 999, 1000, -1001, 10**12, -(10**12), 10**12 - 1]),
    st.integers(-1000, 1000),
    st.integers(-(10**12), 10**12),
)
# Microseconds that must be cut, never rounded: 12:00:00.999999 prints 12:00:00.
microseconds = st.one_of(st.sampled_from([0, 0, 1, 500000, 999999]), st.integers(0, 999999))
# Seconds from the ledger's DST change: often on it or a whole hour from it (so rows tie and
# fall on local midnights), else anywhere in the two days either side.
offsets = st.one_of(
    st.sampled_from([0, 0, 1, -1, 3600, -3600, 86400, -86400]),
    st.builds(
        lambda hours, seconds: hours * 3600 + seconds,
        st.integers(-48, 48),
        st.one_of(st.just(0), st.sampled_from([1, 59, 1799, 3599]), st.integers(0, 3599)),
    ),
)


@dataclass(frozen=True)
class Moment:
    offset: int  # seconds from the ledger's DST change
    micro: int
    midnight: str | None  # moved back to the midnight before, in this zone (daily totals' and local days' edges)

    def at(self, anchor: datetime) -> datetime:
        moment = anchor + timedelta(seconds=self.offset)
        if self.midnight:
            zone = ZoneInfo(self.midnight)
            moment = datetime.combine(moment.astimezone(zone).date(), time(), tzinfo=zone).astimezone(UTC)
        return moment + timedelta(microseconds=self.micro)


moments = st.builds(
    Moment, offsets, microseconds, st.sampled_from([None, None, None, "UTC", "Europe/Berlin", "America/New_York"])
)


@dataclass(frozen=True)
class PayoutEntry:
    amount: int
    fee: int
    currency: str
    created: Moment
    arrival_days: int
    automatic: bool
    status: str
    reversed_at: Moment | None
    type: str
    description: str
    destination_id: str
    trace_id: str
    trace_id_status: str
    txn_description: str | None
    with_txn: bool
    reversal_hours: int | None  # a payout_reversal transaction that many hours after the payout
    livemode: bool


payout_entries = st.builds(
    PayoutEntry,
    amount=amounts,
    fee=amounts,
    currency=st.sampled_from(CURRENCIES),
    created=moments,
    arrival_days=st.integers(0, 3),
    automatic=st.booleans(),
    status=st.sampled_from([s.value for s in Payout.Status]),
    reversed_at=st.none() | moments,
    type=st.sampled_from(["bank_account", "card"]),
    description=st.one_of(st.just("STRIPE PAYOUT"), text_values(500, null=False)),
    destination_id=st.one_of(st.just(""), st.just("ba_1"), text_values(64, null=False)),
    trace_id=st.one_of(st.just(""), text_values(64, null=False)),
    trace_id_status=st.sampled_from(["", "pending", "supported", "unsupported"]),
    txn_description=st.one_of(st.just("STRIPE PAYOUT"), text_values(500)),
    with_txn=st.booleans() | st.just(True),
    reversal_hours=st.none() | st.integers(0, 30),
    livemode=st.sampled_from([False, False, False, True]),
)


# Text columns of the wider versions, filled at random (cut to each field's length).
SOURCE_FIELDS = [
    "customer_name",
    "customer_description",
    *ADDRESS_FIELDS,
    "payment_intent_id",
    "invoice_id",
    "invoice_number",
    "subscription_id",
    "card_funding",
    "statement_descriptor",
    "connected_account_id",
    "connected_account_name",
    "connected_account_country",
    "connected_account_direct_charge_id",
    "regulatory_tag",
    "order_id",
    "destination_payment_id",
]
# Stripe keeps metadata as string keys to string values; a JSON null slips in now and then.
metadata_values = st.dictionaries(
    st.sampled_from(METADATA_KEYS), st.one_of(text_values(100, null=False), st.none()), max_size=4
)


@dataclass(frozen=True)
class TxnEntry:
    category: str
    currency: str
    created: Moment
    available_days: int | None
    amount: int
    fee: int
    description: str | None
    source_id: str
    customer_facing: tuple[int | None, str | None]
    customer_id: str | None
    customer_email: str | None
    charge_id: str | None
    payment_method_type: str | None
    card_brand: str | None
    card_country: str | None
    dispute_reason: str | None
    automatic_payout: int | None  # index into the example's payouts
    id_suffix: str
    tie: int | None  # dated exactly as an earlier row (index into those): rows then go by primary key
    livemode: bool
    sources: dict[str, str | None]  # some of the wider versions' text columns
    charge_created: Moment | None
    is_link: bool | None
    application_fee: int | None
    metadata: tuple[dict[str, str | None] | None, ...]  # payment, refund, transfer


txn_entries = st.builds(
    TxnEntry,
    category=st.sampled_from(CATEGORIES),
    currency=st.sampled_from(CURRENCIES),
    created=moments,
    available_days=st.none() | st.integers(0, 7),
    amount=amounts,
    fee=amounts,
    description=text_values(500),
    source_id=st.one_of(st.just(""), st.just("ch_1"), text_values(64, null=False)),
    customer_facing=st.one_of(
        st.just((None, None)),
        st.tuples(amounts, st.sampled_from(CURRENCIES)),
        st.tuples(st.none(), st.sampled_from(CURRENCIES)),
    ),
    customer_id=text_values(64),
    customer_email=text_values(254),
    charge_id=text_values(64),
    payment_method_type=st.none() | st.sampled_from(["card", "", "link"]),
    card_brand=text_values(32),
    card_country=text_values(2),
    dispute_reason=text_values(64),
    automatic_payout=st.none() | st.integers(0, 5),
    id_suffix=st.sampled_from(["", "", '_"q"', ",x", "é"]),
    tie=st.one_of(st.none(), st.none(), st.integers(0, 30)),
    livemode=st.sampled_from([False, False, False, True]),
    sources=st.dictionaries(st.sampled_from(SOURCE_FIELDS), text_values(256), max_size=4),
    charge_created=st.none() | moments,
    is_link=st.sampled_from([None, False, True]),
    application_fee=st.none() | amounts,
    metadata=st.tuples(*[st.none() | metadata_values for _ in METADATA_FIELDS]),
)
