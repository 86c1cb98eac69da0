"""The dashboard's view of the report types: grouped by family, and the payouts a by-id type can take."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db.models import Q, QuerySet

from reporting.currencies import EXPONENTS
from reporting.models import Account, Payout
from reporting.reports import Report

# Plain names of the families; any other family is named after its id.
FAMILY_NAMES = {
    "balance": "Balance",
    "balance_change_from_activity": "Balance change from activity",
    "payouts": "Payouts",
    "payout_reconciliation": "Payout reconciliation",
    "payout_reconciliation.by_id": "Payout reconciliation for one payout",
    "ending_balance_reconciliation": "Ending balance reconciliation",
}

PAYOUT_SEARCH_LIMIT = 20


def family_of(report_id: str) -> str:
    """The part of a type's id before `.summary` / `.itemized`: `payout_reconciliation.by_id`."""
    match = re.match(r"(.+?)\.(?:summary|itemized)(?:\.|$)", report_id)
    return match.group(1) if match else report_id.rsplit(".", 1)[0]


def family_name(family: str) -> str:
    return FAMILY_NAMES.get(family) or family.replace(".by_id", " by id").replace("_", " ").capitalize()


@dataclass(frozen=True)
class Entry:
    report: Report
    live_only: bool

    @property
    def question(self) -> str:
        return self.report.question

    @property
    def parameters(self) -> list[tuple[str, bool]]:
        """Each parameter the type takes, and whether it is required."""
        return [(name, name in self.report.required) for name in self.report.parameters]


@dataclass(frozen=True)
class Family:
    id: str
    name: str
    entries: list[Entry]


def families(reports: Iterable[Report], live_only: Collection[str] = ()) -> list[Family]:
    """Group the types by family, families and types in the registry's order."""
    grouped: dict[str, list[Entry]] = {}
    for report in reports:
        grouped.setdefault(family_of(report.id), []).append(Entry(report, report.id in live_only))
    return [Family(family, family_name(family), entries) for family, entries in grouped.items()]


def payout_query(text: str) -> Q:
    """What a search for a payout means: an arrival day or month (UTC), an amount, or an id prefix."""
    text = text.strip()
    if not text:
        return Q()
    if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", text):
        try:
            first = date.fromisoformat(text if len(text) == 10 else f"{text}-01")
        except ValueError:
            return Q(pk__in=[])
        after = first + timedelta(days=1) if len(text) == 10 else (first + timedelta(days=32)).replace(day=1)
        return Q(arrival_date__gte=_utc(first), arrival_date__lt=_utc(after))
    if re.fullmatch(r"-?\d+(?:[.,]\d+)?", text):
        return _amount_query(text.replace(",", "."))
    return Q(stripe_id__startswith=text)


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _amount_query(text: str) -> Q:
    """Major units in any currency: "148.20" is 14820 cents, or 148200 of a three-decimal currency."""
    try:
        major = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return Q(pk__in=[])
    query = Q(pk__in=[])
    for places in sorted(set(EXPONENTS.values())):
        minor = major.scaleb(places)
        if minor == minor.to_integral_value():
            currencies = [c for c, p in EXPONENTS.items() if p == places]
            query |= Q(currency__in=currencies, amount=int(minor))
    return query


def search_payouts(account: Account, livemode: bool, text: str) -> QuerySet[Payout]:
    """The account's automatic payouts in this mode that match `text`, newest first."""
    payouts = Payout.objects.for_mode(account, livemode).filter(automatic=True).filter(payout_query(text))
    return payouts.order_by("-arrival_date", "-id")[:PAYOUT_SEARCH_LIMIT]
