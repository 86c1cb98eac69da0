"""Finding runs: the run list's filters and its exact search by run or file id.

Every filter narrows a queryset already scoped to one account and mode, so the
page still walks the `run_mode_created` index newest first and stops after one
page of matches: no COUNT, no sort of the account's runs. The period is the day
each run was *requested* (its `created`), which that index reads as a range;
the covered interval lives in the run's JSON parameters, which no index holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from reporting.models import ReportRun
from reporting.models.runs import ReportRunQuerySet

RUN_PREFIX = "frr_"
FILE_PREFIX = "file_"


class BadSearch(ValueError):
    """A search that is neither a run id nor a file id."""


@dataclass(frozen=True)
class RunQuery:
    """What to find; empty fields do not filter. `created_*` are instants, the end excluded."""

    report_type: str = ""
    status: str = ""
    door: str = ""
    requester: str = ""
    created_from: datetime | None = None
    created_before: datetime | None = None
    search: str = ""


def search_condition(text: str) -> Q:
    """The exact id a search names: a run (frr_…) or the file a run produced (file_…)."""
    text = text.strip()
    if text.startswith(RUN_PREFIX):
        return Q(pk=text)
    if text.startswith(FILE_PREFIX):
        return Q(result_id=text)
    raise BadSearch("Search by a run id (frr_…) or a file id (file_…), exactly as shown.")


def matching(runs: ReportRunQuerySet, query: RunQuery) -> ReportRunQuerySet:
    """`runs` narrowed to the query (raises BadSearch for a search that names no kind of id)."""
    if query.search:
        runs = runs.filter(search_condition(query.search))
    if query.report_type:
        runs = runs.filter(report_type_id=query.report_type)
    if query.status:
        runs = runs.filter(status=query.status)
    if query.door:
        runs = runs.filter(requested_via=query.door)
    if query.requester:
        # A dashboard user by login name, or an API key by the name it was given.
        name = query.requester.strip()
        runs = runs.filter(Q(requested_by__username__iexact=name) | Q(requested_by_key__name__iexact=name))
    if query.created_from is not None:
        runs = runs.filter(created__gte=query.created_from)
    if query.created_before is not None:
        runs = runs.filter(created__lt=query.created_before)
    return runs


def requester_of(run: ReportRun) -> str:
    """Who asked for the run, as the list shows it: a user's login, a key's name, or nobody named."""
    if run.requested_by is not None:
        return run.requested_by.username
    key = run.requested_by_key
    if key is not None:
        return key.name or f"key {key.prefix}…{key.last4}"
    return ""
