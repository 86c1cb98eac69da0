"""Random parameters for a run of each report type: interval, payout, filters, timezone, separator, columns."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from reporting.models import BalanceTransaction, Payout
from reporting.models.ledger import METADATA_FIELDS
from reporting.reports import Params, get_report
from tests.reports.reference.catalogue import CATEGORY_SUMMARIES, COLUMNS, ITEMIZED_TYPES, SUMMARY

from .entries import CATEGORIES, CURRENCIES, METADATA_KEYS

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
# "UTC" and "Etc/UTC" too: SQLite formats local times in SQL only in UTC.
ZONES = ["Etc/UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]


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
        spreadsheet_safe=data.draw(st.booleans(), label="spreadsheet_safe"),
        **given,
    )
