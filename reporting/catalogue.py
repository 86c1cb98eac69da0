"""The dashboard's view of the report types: grouped by family, and the payouts a by-id type can take."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import NamedTuple

from django.db.models import Q, QuerySet
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from reporting import l10n
from reporting.currencies import EXPONENTS
from reporting.models import Account, Payout
from reporting.reports import REPORT_TYPES, Report, versions_of

# Plain names of the families; any other family is named after its id.
FAMILY_NAMES = {
    "balance": _("Balance"),
    "balance_change_from_activity": _("Balance change from activity"),
    "payouts": _("Payouts"),
    "payout_reconciliation": _("Payout reconciliation"),
    "payout_reconciliation.by_id": _("Payout reconciliation for one payout"),
    "ending_balance_reconciliation": _("Ending balance reconciliation"),
}

PAYOUT_SEARCH_LIMIT = 20


def family_of(report_id: str) -> str:
    """The part of a type's id before `.summary` / `.itemized`: `payout_reconciliation.by_id`."""
    match = re.match(r"(.+?)\.(?:summary|itemized)(?:\.|$)", report_id)
    return match.group(1) if match else report_id.rsplit(".", 1)[0]


def family_name(family: str) -> str:
    return str(FAMILY_NAMES.get(family, "")) or family.replace(".by_id", " by id").replace("_", " ").capitalize()


class Difference(NamedTuple):
    """What sets a version apart from its siblings (what_sets_apart): facts, worded when shown."""

    all_columns: bool
    columns: int
    metadata: bool
    utc_only: bool


def difference(report: Report, versions: list[Report]) -> Difference:
    """What this version writes, told against the others: all columns, or its count, metadata keys, UTC times.

    Read from the versions' declarations (reports/documented.py), so a new version is
    described without anyone writing its label: the one that writes every column, metadata
    key and local time its siblings do has "all columns"; the others give their column count,
    say when they take metadata keys and some sibling does not, and when their times are in UTC
    while some sibling writes them in the run's time zone.
    """
    every_column = set().union(*(r.column_names for r in versions))
    every_metadata = set().union(*(r.metadata_fields for r in versions))
    some_local = any("timezone" in r.parameters for r in versions)
    local = "timezone" in report.parameters
    if (
        every_column <= set(report.column_names)
        and every_metadata <= set(report.metadata_fields)
        and (local or not some_local)
    ):
        return Difference(True, len(report.columns), False, False)
    metadata = bool(report.metadata_fields) and not all(r.metadata_fields for r in versions)
    return Difference(False, len(report.columns), metadata, some_local and not local)


def what_sets_apart(facts: Difference) -> str:
    """A `difference` in the user's language: "all columns", or "46 columns + metadata, UTC only"."""
    if facts.all_columns:
        return gettext("all columns")
    n = facts.columns
    words = ngettext("%(count)s column", "%(count)s columns", n) % {"count": l10n.count(n)}
    if facts.metadata:
        words = gettext("%(columns)s + metadata") % {"columns": words}
    if facts.utc_only:
        words = gettext("%(columns)s, UTC only") % {"columns": words}
    return words


@cache
def _difference(report_id: str) -> Difference | None:
    """The type's `difference`, None for a type of one version. Cached: the registry does not change while the
    process runs; the words do (with the language), so they are not."""
    report = REPORT_TYPES[report_id]
    versions = versions_of(report)
    return difference(report, versions) if len(versions) > 1 else None


def type_label(report_id: str) -> str:
    """How the dashboard names a type: "Itemized payout reconciliation · v5, all columns"; a type of one version by its name.

    The name is Stripe's and stays as Stripe writes it; what tells the versions apart is
    ours, in the user's language.
    """
    report, facts = REPORT_TYPES[report_id], _difference(report_id)
    if facts is None:
        return report.name
    return gettext("%(name)s · v%(version)s, %(difference)s") % {
        "name": report.name,
        "version": report.version,
        "difference": what_sets_apart(facts),
    }


@dataclass(frozen=True)
class Entry:
    report: Report
    live_only: bool

    @property
    def label(self) -> str:
        return type_label(self.report.id)

    @property
    def question(self) -> str:
        # Marked where each report declares it (gettext_noop), translated here, when shown.
        return gettext(self.report.question) if self.report.question else ""

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
