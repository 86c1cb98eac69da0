"""Every fast path writes byte for byte the file of the plain reference generator (reference/).

On PostgreSQL the itemized reports are one COPY with the formatting done in SQL,
on SQLite one SELECT building whole CSV lines; both, and the Python fallback, are
compared here with an independent second implementation over random ledgers,
on whichever database the suite runs on: every itemized type of the balance,
payouts and reconciliation families, with random column subsets (local-time
twins, metadata keys), decimal separators, timezones, filters and, for the
by_id types, the payout. The summaries (sums read partly from the daily totals)
are compared on the same ledgers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reporting.models import BalanceTransaction, Payout
from reporting.models.ledger import ADDRESS_FIELDS, METADATA_FIELDS
from reporting.reports import REPORT_TYPES, Params, Report, engine, get_report
from reporting.reports.formats import Formatter
from tests.factories import AccountFactory, BalanceTransactionFactory, PayoutFactory

from .goldens import APRIL_START, GOLDEN_RUNS, MARCH_START, MAY_START, golden
from .reference import reference_write
from .reference.catalogue import (
    ACTIVITY,
    CATEGORY_SUMMARIES,
    COLUMNS,
    DEFAULTS,
    ITEMIZED_TYPES,
    LOCAL_TWINS,
    PAYOUTS,
    PAYOUTS_LOCAL,
    SUMMARY,
)

pytestmark = pytest.mark.django_db

ITEMIZED = tuple(ITEMIZED_TYPES)
# One family per kind of row selection; each example runs one version of each.
FAMILIES = {
    "activity": [t for t in ITEMIZED if t.startswith("balance_change_from_activity.")],
    "payouts": [t for t in ITEMIZED if t.startswith("payouts.")],
    "settled_in_interval": [t for t in ITEMIZED if t.startswith("payout_reconciliation.itemized.")],
    "settled_by": [t for t in ITEMIZED if t.startswith("payout_reconciliation.by_id.")],
    "unsettled_at": [t for t in ITEMIZED if t.startswith("ending_balance_reconciliation.")],
}
# Formatted in Python from sums (daily totals for whole UTC days): compared too, on the SQL route.
SUMMARIES = (SUMMARY, *CATEGORY_SUMMARIES)
CURRENCIES = ["usd", "eur", "jpy", "kwd"]  # 2, 2, 0 and 3 decimals
CATEGORIES = ["charge", "refund", "fee", "dispute", "other_adjustment", "payout", "payout_reversal"]
# "UTC" and "Etc/UTC" too: SQLite formats local times in SQL only in UTC.
ZONES = ["Etc/UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]
# Metadata keys: plain ones (looked up in SQL on both databases) and awkward ones.
METADATA_KEYS = ["order_id", "Channel", "a-b", "123", "ORDER_ID", 'we"ird', "a.b", "$x", "sp ace", "ключ", "a[b]", "*"]
# DST changes (UTC): New York and Berlin in spring and in autumn 2025.
DST_CHANGES = [
    datetime(2025, 3, 9, 7, tzinfo=UTC),
    datetime(2025, 3, 30, 1, tzinfo=UTC),
    datetime(2025, 10, 26, 1, tzinfo=UTC),
    datetime(2025, 11, 2, 6, tzinfo=UTC),
]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def write(report_type: str, params: Params) -> tuple[bytes, int]:
    out = io.BytesIO()
    count = get_report(report_type).write(params, out)
    return out.getvalue(), count


def _without_sql(vendor, cols, params):
    return None


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@contextmanager
def sql_path_only() -> Iterator[mock.MagicMock]:
    """Fail on the Python fallback; yield a spy on this database's SQL path."""
    fast = "_copy" if connection.vendor == "postgresql" else "_lines"
    with (
        mock.patch.object(engine, "_python", side_effect=AssertionError("the Python fallback ran")),
        mock.patch.object(engine, fast, wraps=getattr(engine, fast)) as spy,
    ):
        yield spy


@contextmanager
def python_fallback(report: Report) -> Iterator[mock.MagicMock]:
    """Make every column of `report` unformattable in SQL; yield a spy on the Python fallback."""
    selected = report.selected_columns

    def no_sql_columns(params: Params):
        return [replace(c, format=replace(c.format, sql=_without_sql)) for c in selected(params)]

    with (
        mock.patch.object(report, "selected_columns", no_sql_columns),
        mock.patch.object(engine, "_copy", side_effect=AssertionError("COPY ran")),
        mock.patch.object(engine, "_lines", side_effect=AssertionError("SQL lines ran")),
        mock.patch.object(engine, "_python", wraps=engine._python) as spy,
    ):
        yield spy


# Random ledgers

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
    "=SUM(A1:A9)",
    '=HYPERLINK("http://x","y")',
    "+1 555",
    "-42",
    "@cmd",
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


def build_ledger(account, anchor: datetime, payouts: list[PayoutEntry], txns: list[TxnEntry]) -> list[datetime]:
    """Write the entries; return every time they use (candidate interval edges)."""
    times: list[datetime] = []
    made: list[Payout] = []
    for i, p in enumerate(payouts):
        created = p.created.at(anchor)
        arrival = datetime.combine(created.date() + timedelta(days=p.arrival_days), time(), tzinfo=UTC)
        po = Payout.objects.create(
            account=account,
            livemode=p.livemode,
            stripe_id=f"po_{i}",
            amount=p.amount,
            fee=p.fee,
            currency=p.currency,
            status=p.status,
            automatic=p.automatic,
            type=p.type,
            created=created,
            arrival_date=arrival,
            effective_at=arrival if p.automatic else created,
            reversed_at=p.reversed_at.at(anchor) if p.reversed_at else None,
            description=p.description,
            destination_id=p.destination_id,
            trace_id=p.trace_id,
            trace_id_status=p.trace_id_status,
        )
        made.append(po)
        times += [created, po.effective_at]
        if p.with_txn:
            bt = BalanceTransactionFactory(
                account=account,
                livemode=p.livemode,
                stripe_id=f"txn_po_{i}",
                type="payout",
                reporting_category="payout",
                amount=-p.amount,
                fee=p.fee,
                net=-p.amount - p.fee,
                currency=p.currency,
                created=created,
                available_on=po.effective_at,
                effective_at=po.effective_at,
                description=p.txn_description,
            )
            # The ledger is append-only (save() refuses edits): link with an UPDATE.
            BalanceTransaction.objects.filter(pk=bt.pk).update(payout=po, source_id=po.stripe_id)
        if p.reversal_hours is not None:
            back = po.effective_at + timedelta(hours=p.reversal_hours, microseconds=p.created.micro)
            bt = BalanceTransactionFactory(
                account=account,
                livemode=p.livemode,
                stripe_id=f"txn_rev_{i}",
                type="payout_failure",
                reporting_category="payout_reversal",
                amount=p.amount,
                fee=0,
                net=p.amount,
                currency=p.currency,
                created=back,
                available_on=back,
                effective_at=back,
                description="Payout failure",
            )
            BalanceTransaction.objects.filter(pk=bt.pk).update(payout=po)
            times.append(back)
    for i, t in enumerate(txns):
        created = times[t.tie % len(times)] if t.tie is not None and times else t.created.at(anchor)
        if t.available_days is None:
            available_on = created
        else:
            available_on = datetime.combine(created.date() + timedelta(days=t.available_days), time(), tzinfo=UTC)
        bt = BalanceTransactionFactory(
            account=account,
            livemode=t.livemode,
            stripe_id=f"txn_{i}{t.id_suffix}",
            type=t.category,
            reporting_category=t.category,
            amount=t.amount,
            fee=t.fee,
            net=t.amount - t.fee,
            currency=t.currency,
            created=created,
            available_on=available_on,
            effective_at=created,
            description=t.description,
            source_id=t.source_id,
            customer_facing_amount=t.customer_facing[0],
            customer_facing_currency=t.customer_facing[1],
            customer_id=t.customer_id,
            customer_email=t.customer_email,
            charge_id=t.charge_id,
            payment_method_type=t.payment_method_type,
            card_brand=t.card_brand,
            card_country=t.card_country,
            dispute_reason=t.dispute_reason,
            charge_created=t.charge_created.at(anchor) if t.charge_created else None,
            is_link=t.is_link,
            application_fee=t.application_fee,
            **dict(zip(METADATA_FIELDS, t.metadata, strict=True)),
            **{name: _fit(name, value) for name, value in t.sources.items()},
        )
        # A transaction's payouts are in its account and mode (composite foreign keys).
        same_mode = [po for po in made if po.livemode == t.livemode]
        if t.automatic_payout is not None and same_mode:
            settled_by = same_mode[t.automatic_payout % len(same_mode)]
            BalanceTransaction.objects.filter(pk=bt.pk).update(automatic_payout=settled_by)
        times.append(created)
    return times


def _fit(name: str, value: str | None) -> str | None:
    return None if value is None else value[: BalanceTransaction._meta.get_field(name).max_length]


def midnights(anchor: datetime) -> list[datetime]:
    """Midnights around the DST change in UTC (daily totals' edges), Berlin and New York."""
    out = [datetime.combine(anchor.date() + timedelta(days=k), time(), tzinfo=UTC) for k in range(-3, 5)]
    for name in ("Europe/Berlin", "America/New_York"):
        zone = ZoneInfo(name)
        day = anchor.astimezone(zone).date()
        for k in range(-2, 3):
            out.append(datetime.combine(day + timedelta(days=k), time(), tzinfo=zone).astimezone(UTC))
    return out


def draw_interval(data, anchor: datetime, times: list[datetime], *, whole_seconds: bool) -> tuple[datetime, datetime]:
    def edge(wide: datetime) -> datetime:
        # On a row's time or a midnight (UTC: the daily totals' edges; local: around the DST
        # change), exactly, on its second, or a second either side; or past every row.
        kind = data.draw(st.sampled_from(["row", "row", "row", "midnight", "wide"]))
        if kind == "wide" or not times:
            return wide
        moment = data.draw(st.sampled_from(midnights(anchor) if kind == "midnight" else times))
        shift = data.draw(st.sampled_from(["exact", "exact", "second", "after", "before"]))
        if shift == "second" or whole_seconds:
            moment = moment.replace(microsecond=0)
        if shift == "after":
            moment += timedelta(seconds=1)
        if shift == "before":
            moment -= timedelta(seconds=1)
        return moment

    start, end = sorted([edge(anchor - timedelta(days=7)), edge(anchor + timedelta(days=7))])
    if start == end:
        end += timedelta(seconds=data.draw(st.sampled_from([1, 3600, 86400])))
    return start, end


METADATA_COLUMN = re.compile(r"(payment_metadata|refund_metadata|transfer_metadata)\[(.+)\]", re.DOTALL)
METADATA_COLUMNS = [f"{field}[{key}]" for field in METADATA_FIELDS for key in METADATA_KEYS]
# Keys every SQL path must look up itself (no fallback to Python for them).
PLAIN_METADATA = ["payment_metadata[order_id]", "refund_metadata[Channel]", "transfer_metadata[123]"]


def columns_for(report_type: str) -> st.SearchStrategy[tuple[str, ...]]:
    names = COLUMNS[report_type]
    if ITEMIZED_TYPES.get(report_type) and ITEMIZED_TYPES[report_type].metadata:
        pool = st.lists(st.sampled_from(METADATA_COLUMNS), max_size=5, unique=True).map(lambda m: [*names, *m])
    else:
        pool = st.just(names)

    def subsets(pool: list[str]) -> st.SearchStrategy[tuple[str, ...]]:
        ordered_subset = st.permutations(pool).flatmap(lambda p: st.integers(1, len(p)).map(lambda k: tuple(p[:k])))
        with_repeats = st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool) + 2).map(tuple)
        return st.one_of(st.just(()), ordered_subset, with_repeats)

    return pool.flatmap(subsets)


def broad_columns(report_type: str) -> list[str]:
    """Every column of the type, and for the wider versions a few metadata keys."""
    spec = ITEMIZED_TYPES.get(report_type)
    return [*COLUMNS[report_type], *(PLAIN_METADATA if spec and spec.metadata else [])]


def draw_filter(data, present: list[str], every: list[str]) -> str | None:
    """No filter half the time, else mostly a value the ledger holds."""
    kind = data.draw(st.sampled_from(["none", "none", "present", "any"]))
    if kind == "present" and present:
        return data.draw(st.sampled_from(present))
    if kind == "any":
        return data.draw(st.sampled_from(every))
    return None


def draw_params(data, account_id: str, report_type: str, anchor: datetime, times: list[datetime]) -> Params:
    """Random values for exactly the parameters the type accepts."""
    accepted = set(get_report(report_type).parameters)
    ledger = BalanceTransaction.objects.filter(account_id=account_id)
    given: dict[str, Any] = {}
    if "interval_end" in accepted:
        start, end = draw_interval(data, anchor, times, whole_seconds=report_type in SUMMARIES)
        given["interval_end"] = end
        if "interval_start" in accepted:
            given["interval_start"] = start
    if "payout" in accepted:
        ids = sorted(set(Payout.objects.filter(account_id=account_id).values_list("stripe_id", flat=True)))
        given["payout"] = data.draw(st.sampled_from([*ids, *ids, "po_missing"]))
    if "currency" in accepted:
        currencies = sorted(set(ledger.values_list("currency", flat=True)))
        given["currency"] = draw_filter(data, currencies, [*CURRENCIES, "gbp"])
    if "reporting_category" in accepted:
        family = ITEMIZED_TYPES[report_type].rows
        payouts = {"payout", "payout_reversal"}
        present = {
            c
            for c in ledger.values_list("reporting_category", flat=True)
            if family not in ("activity", "payouts") or (c in payouts) == (family == "payouts")
        }
        given["reporting_category"] = draw_filter(data, sorted(present), CATEGORIES)
    if "timezone" in accepted:
        given["timezone"] = ZoneInfo(data.draw(st.sampled_from(ZONES)))
    if "decimal_separator" in accepted:
        given["decimal_separator"] = data.draw(st.sampled_from([".", ".", ","]))
    return Params(
        account_id=account_id,
        livemode=data.draw(st.sampled_from([False, False, False, True])),
        columns=data.draw(columns_for(report_type)),
        **given,
    )


def sql_can_format(report_type: str, params: Params) -> bool:
    """Whether this database must format every chosen column in SQL (else the Python fallback may run).

    PostgreSQL formats everything; SQLite has no time zone database (local times only
    in UTC, whichever name it goes by) and looks up only plain metadata keys in SQL.
    """
    if connection.vendor == "postgresql":
        return True
    spec = ITEMIZED_TYPES[report_type]
    local = (
        PAYOUTS_LOCAL
        if spec.rows == "payouts"
        else LOCAL_TWINS - ({"automatic_payout_effective_at"} if spec.utc_arrival else set())
    )
    for name in params.columns or DEFAULTS[report_type]:
        if name in local and params.timezone.key not in ("UTC", "Etc/UTC"):
            return False
        match = METADATA_COLUMN.fullmatch(name)
        if match and not re.fullmatch(r"[A-Za-z0-9_]+", match[2]):
            return False
    return True


@contextmanager
def sql_path_where_possible(report_type: str, params: Params) -> Iterator[mock.MagicMock]:
    """Spy on both routes; fail unless exactly one ran, and the SQL one where it can do the columns."""
    fast = "_copy" if connection.vendor == "postgresql" else "_lines"
    with (
        mock.patch.object(engine, "_python", wraps=engine._python) as python,
        mock.patch.object(engine, fast, wraps=getattr(engine, fast)) as spy,
    ):
        yield spy
    assert spy.call_count + python.call_count == 1
    if sql_can_format(report_type, params):
        assert spy.call_count == 1, "the Python fallback ran for columns SQL can format"


@pytest.mark.parametrize("path", ["sql", "python"])
@settings(  # examples: the profile's (tests/conftest.py), for each path
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    anchor=st.sampled_from(DST_CHANGES),
    payouts=st.lists(payout_entries, min_size=1, max_size=4),
    txns=st.lists(txn_entries, min_size=1, max_size=12),
    data=st.data(),
)
def test_fast_paths_match_reference_on_random_ledgers(path, anchor, payouts, txns, data):
    with rolled_back():  # each example's ledger is gone after it, even when a query fails
        account = AccountFactory()  # a fresh account per example
        times = sorted(set(build_ledger(account, anchor, payouts, txns)))
        # One version of each itemized family per example (and two summaries on the SQL route).
        chosen = [data.draw(st.sampled_from(types), label=family) for family, types in FAMILIES.items()]
        if path == "sql":
            chosen += data.draw(st.lists(st.sampled_from(SUMMARIES), min_size=2, max_size=2, unique=True))
        runs = []
        for report_type in chosen:
            params = draw_params(data, account.id, report_type, anchor, times)
            # The random parameters, and the same scope with every column and no filter.
            broad = replace(
                params, livemode=False, currency=None, reporting_category=None, columns=broad_columns(report_type)
            )
            runs += [(report_type, params), (report_type, broad)]
        expected = [reference_write(report_type, params) for report_type, params in runs]

        results = []
        for report_type, params in runs:
            if report_type in SUMMARIES:
                results.append((*write(report_type, params), 1))
                continue
            if path == "sql":
                route = sql_path_where_possible(report_type, params)
            else:
                route = python_fallback(get_report(report_type))
            with route as spy:
                content, count = write(report_type, params)
            results.append((content, count, spy.call_count if path == "python" else 1))

    for (report_type, _), (_, expected_count) in zip(runs, expected, strict=True):
        event(f"{report_type.rsplit('.', 2)[0]}: {'rows' if expected_count else 'empty'}")
    for (content, count, calls), (expected_content, expected_count) in zip(results, expected, strict=True):
        assert content.decode() == expected_content.decode()
        assert content == expected_content
        assert count == expected_count
        assert calls == 1


# The route each database takes


def nasty_params(report_type: str, account_id: str, columns: list[str]) -> Params:
    """Every row of the nasty ledger that the type can show, in Berlin time (DST on 2025-03-30)."""
    accepted = get_report(report_type).parameters
    return Params(
        account_id=account_id,
        livemode=False,
        # The ending balance before the payout of 2025-03-31 settled the rows.
        interval_start=utc(2025, 3, 1) if "interval_start" in accepted else None,
        interval_end=utc(2025, 5, 1) if "interval_start" in accepted else utc(2025, 3, 30, 1, 0, 0, 1),
        payout='po_"1"' if "payout" in accepted else None,
        timezone=ZoneInfo("Europe/Berlin"),
        decimal_separator="," if "decimal_separator" in accepted else ".",
        columns=columns,
    )


@pytest.mark.parametrize("report_type", ITEMIZED)
def test_itemized_reports_with_utc_columns_take_the_sql_path(report_type, nasty_ledger):
    spec = ITEMIZED_TYPES[report_type]
    local = PAYOUTS_LOCAL if spec.rows == "payouts" else LOCAL_TWINS
    utc_columns = [n for n in COLUMNS[report_type] if n not in local or spec.utc_arrival and n.startswith("automatic")]
    params = nasty_params(report_type, nasty_ledger.id, [*utc_columns, *(PLAIN_METADATA if spec.metadata else [])])
    expected = reference_write(report_type, params)

    with sql_path_only() as fast:
        result = write(report_type, params)

    assert fast.call_count == 1
    assert result == expected
    assert result[1] > 0


@pytest.mark.parametrize("report_type", ITEMIZED)
def test_python_fallback_matches_reference(report_type, nasty_ledger):
    report = get_report(report_type)
    metadata = METADATA_COLUMNS if ITEMIZED_TYPES[report_type].metadata else []
    params = nasty_params(report_type, nasty_ledger.id, [*COLUMNS[report_type], *metadata])
    expected = reference_write(report_type, params)

    with python_fallback(report) as fallback:
        result = write(report_type, params)

    assert fallback.call_count == 1
    assert result == expected
    assert result[1] > 0


@pytest.mark.parametrize("report_type", ITEMIZED)
def test_local_times_and_any_metadata_key_match_reference_on_this_database(report_type, nasty_ledger):
    """Whatever route this database takes for local twins and awkward keys, the bytes are the reference's."""
    metadata = METADATA_COLUMNS if ITEMIZED_TYPES[report_type].metadata else []
    params = nasty_params(report_type, nasty_ledger.id, [*COLUMNS[report_type], *metadata])
    expected = reference_write(report_type, params)

    with sql_path_where_possible(report_type, params):
        result = write(report_type, params)

    assert result == expected


def test_reference_knows_every_type_and_its_columns():
    """The reference's own catalogue (written from report-types.md) agrees with the registry."""
    for report_type, report in REPORT_TYPES.items():
        assert report.column_names == COLUMNS[report_type], report_type
        assert (report.default_columns or report.column_names) == DEFAULTS[report_type], report_type
        spec = ITEMIZED_TYPES.get(report_type)
        assert report.metadata_columns == bool(spec and spec.metadata), report_type


def test_python_fallback_is_forced_by_one_column_without_sql(nasty_ledger):
    report = get_report(ACTIVITY)
    selected = report.selected_columns

    def one_without_sql(params):
        columns = selected(params)
        columns[-1] = replace(columns[-1], format=Formatter(columns[-1].format.fields, columns[-1].format.func))
        return columns

    params = Params(
        account_id=nasty_ledger.id,
        livemode=False,
        interval_start=utc(2025, 3, 1),
        interval_end=utc(2025, 5, 1),
        columns=["net", "description", "created_utc"],
    )
    expected = reference_write(ACTIVITY, params)

    with (
        mock.patch.object(report, "selected_columns", one_without_sql),
        mock.patch.object(engine, "_python", wraps=engine._python) as fallback,
    ):
        result = write(ACTIVITY, params)

    assert fallback.call_count == 1
    assert result == expected


# A fixed ledger with every awkward value, and what the reference makes of it


@pytest.fixture
def nasty_ledger(db):
    account = AccountFactory(name="Nasty", created=utc(2025, 1, 1))
    po = PayoutFactory(
        account=account,
        stripe_id='po_"1"',
        amount=-5,
        currency="kwd",
        created=utc(2025, 3, 29, 23, 59, 59, 999999),
        arrival_date=utc(2025, 3, 31),
        effective_at=utc(2025, 3, 31),
        reversed_at=utc(2025, 4, 1, 12, 0, 0, 999999),
        status="failed",
        description='Pay, "out"\r\n',
        trace_id="",
        destination_id="ba_1",
    )
    rows = [
        ("charge", "usd", utc(2025, 3, 9, 12, 0, 0, 999999), 1050, 59, 'Order "A", large'),
        ("refund", "usd", utc(2025, 3, 9, 12, 0, 0, 999999), -5, 0, None),
        ("charge", "jpy", utc(2025, 3, 30, 0, 59, 59, 999999), 10**12, -1, ""),
        ("dispute", "kwd", utc(2025, 3, 30, 1), -1, 1000, "=1+2\nsecond line"),
        ("other_adjustment", "eur", utc(2025, 3, 30, 1, 0, 0, 1), 0, 0, "@x,\r\ny " + "z" * 300),
    ]
    for i, (category, currency, created, amount, fee, description) in enumerate(rows):
        bt = BalanceTransactionFactory(
            account=account,
            stripe_id=f"txn_{i}",
            type=category,
            reporting_category=category,
            amount=amount,
            fee=fee,
            net=amount - fee,
            currency=currency,
            created=created,
            available_on=created,
            effective_at=created,
            description=description,
            customer_facing_amount=amount if i % 2 else None,
            customer_facing_currency=currency if i % 2 else None,
            card_country="",
            charge_created=created - timedelta(hours=1) if i % 2 == 0 else None,
            is_link=[None, True, False][i % 3],
            customer_address_line2=["", None, 'Flat "2", back\r\n'][i % 3],
            application_fee=[None, 0, -7][i % 3],
            payment_metadata=[
                {"order_id": 'x"y,z\n', "a-b": "", 'we"ird': "q", "$x": None, "ключ": "значение"},
                None,
                {},
                {"a.b": "dotted", "a[b]": "bracket", "123": "digits", "*": "star"},
                {"ORDER_ID": "upper", "order_id": "lower"},
            ][i],
            refund_metadata={"Channel": "web", "sp ace": " s "} if i == 1 else None,
            transfer_metadata={"123": "t"} if i == 4 else None,
        )
        BalanceTransaction.objects.filter(pk=bt.pk).update(automatic_payout=po)
    bt = BalanceTransactionFactory(
        account=account,
        stripe_id="txn_po",
        type="payout",
        reporting_category="payout",
        amount=5,
        fee=0,
        net=5,
        currency="kwd",
        created=po.created,
        available_on=po.effective_at,
        effective_at=po.effective_at,
        description="STRIPE PAYOUT",
    )
    BalanceTransaction.objects.filter(pk=bt.pk).update(payout=po, source_id=po.stripe_id)
    return account


def test_reference_writes_stripes_format_for_awkward_values(nasty_ledger):
    params = Params(
        account_id=nasty_ledger.id,
        livemode=False,
        interval_start=utc(2025, 3, 9, 12),
        interval_end=utc(2025, 3, 30, 1, 0, 0, 1),
        columns=["balance_transaction_id", "created_utc", "gross", "fee", "net", "description", "automatic_payout_id"],
    )

    content, count = reference_write(ACTIVITY, params)

    assert content.decode() == (
        '"balance_transaction_id","created_utc","gross","fee","net","description","automatic_payout_id"\n'
        '"txn_0","2025-03-09 12:00:00","10.50","0.59","9.91","Order ""A"", large","po_""1"""\n'
        '"txn_1","2025-03-09 12:00:00","-0.05","0.00","-0.05",,"po_""1"""\n'
        '"txn_2","2025-03-30 00:59:59","1000000000000","-1","1000000000001","","po_""1"""\n'
        '"txn_3","2025-03-30 01:00:00","-0.001","1.000","-1.001","=1+2\nsecond line","po_""1"""\n'
    )
    assert count == 4


def test_reference_flips_the_sign_in_the_payouts_report(nasty_ledger):
    params = Params(
        account_id=nasty_ledger.id,
        livemode=False,
        interval_start=utc(2025, 3, 31),
        interval_end=utc(2025, 3, 31, 0, 0, 1),
        columns=["payout_id", "gross", "net", "payout_reversed_at_utc", "payout_description", "trace_id"],
    )

    content, count = reference_write(PAYOUTS, params)

    assert content.decode() == (
        '"payout_id","gross","net","payout_reversed_at_utc","payout_description","trace_id"\n'
        '"po_""1""","-0.005","-0.005","2025-04-01 12:00:00","Pay, ""out""\r\n",\n'
    )
    assert count == 1


@pytest.mark.parametrize(
    ("report_type", "name", "parameters"),
    [
        (ACTIVITY, "balance_change_itemized_2025-03.csv", {}),
        (ACTIVITY, "balance_change_itemized_2025-04.csv", {"month": "april"}),
        (ACTIVITY, "balance_change_itemized_2025-03_refund.csv", {"reporting_category": "refund"}),
        (
            ACTIVITY,
            "balance_change_itemized_2025-03_columns.csv",
            {"columns": ["net", "balance_transaction_id", "automatic_payout_id"]},
        ),
        (PAYOUTS, "payouts_itemized_2025-03.csv", {}),
        (PAYOUTS, "payouts_itemized_2025-04.csv", {"month": "april"}),
        (PAYOUTS, "payouts_itemized_2025-03_jpy.csv", {"currency": "jpy"}),
        (PAYOUTS, "payouts_itemized_2025-03_payout_reversal.csv", {"reporting_category": "payout_reversal"}),
        (
            PAYOUTS,
            "payouts_itemized_2025-03_columns.csv",
            {
                "columns": [
                    "payout_id",
                    "balance_transaction_id",
                    "payout_reversed_at_utc",
                    "payout_type",
                    "payout_description",
                    "payout_destination_id",
                    "trace_id",
                    "trace_id_status",
                ]
            },
        ),
        (SUMMARY, "balance_summary_2025-03.csv", {}),
        (SUMMARY, "balance_summary_2025-04.csv", {"month": "april"}),
        (SUMMARY, "balance_summary_2025-03_jpy.csv", {"currency": "jpy"}),
        (SUMMARY, "balance_summary_2025-03_new_york.csv", {"timezone": "America/New_York"}),
    ],
)
def test_reference_writes_the_golden_files(golden_account, report_type, name, parameters):
    parameters = dict(parameters)
    start, end = (APRIL_START, MAY_START) if parameters.pop("month", None) == "april" else (MARCH_START, APRIL_START)
    params = Params(
        account_id=golden_account.id,
        livemode=False,
        interval_start=datetime.fromtimestamp(start, UTC),
        interval_end=datetime.fromtimestamp(end, UTC),
        currency=parameters.get("currency"),
        reporting_category=parameters.get("reporting_category"),
        timezone=ZoneInfo(parameters.get("timezone", "Etc/UTC")),
        columns=parameters.get("columns", ()),
    )

    content, _ = reference_write(report_type, params)

    assert content.decode() == golden(name)


@pytest.mark.parametrize(("report_type", "name", "parameters"), GOLDEN_RUNS, ids=[name for _, name, _ in GOLDEN_RUNS])
def test_reference_writes_the_golden_files_of_the_newer_types(golden_account, report_type, name, parameters):
    def moment(key: str) -> datetime | None:
        return datetime.fromtimestamp(parameters[key], UTC) if key in parameters else None

    params = Params(
        account_id=golden_account.id,
        livemode=False,
        interval_start=moment("interval_start"),
        interval_end=moment("interval_end"),
        currency=parameters.get("currency"),
        reporting_category=parameters.get("reporting_category"),
        timezone=ZoneInfo(parameters.get("timezone", "Etc/UTC")),
        columns=parameters.get("columns", ()),
        payout=parameters.get("payout"),
        decimal_separator=parameters.get("decimal_separator", "."),
    )

    content, count = reference_write(report_type, params)

    assert content.decode() == golden(name)
    assert count == golden(name).count("\n") - 1
