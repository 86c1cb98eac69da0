"""Keyset pages of rows newest first: one paginator for the API's lists and the dashboard's run table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db import models
from django.db.models import Q, Subquery

M = TypeVar("M", bound=models.Model)


class UnknownCursor(Exception):
    """A cursor that names no row the queryset can see (another account's, a deleted one)."""


@dataclass
class Page(Generic[M]):
    """Rows newest first; `has_more`: more rows lie beyond the page in the direction read."""

    items: list[M]
    has_more: bool


def newest_first(
    queryset: models.QuerySet[M],
    *,
    limit: int,
    starting_after: str | None = None,
    ending_before: str | None = None,
    cursor_scope: models.QuerySet[M] | None = None,
    id_field: str = "pk",
) -> Page[M]:
    """One page by (created, id), newest first, after or before a cursor row.

    Cursors name rows by `id_field`, which also breaks ties in `created`: the
    primary key, or a field unique within the queryset (the ledger's Stripe ids,
    unique per account and mode, where the primary key is a surrogate).

    `starting_after=<id>` gives the rows older than that row, `ending_before=<id>`
    the rows newer than it (still shown newest first; `has_more` then means newer
    ones remain). Keyset conditions cost one index range whatever the page number,
    and no COUNT(*). The cursor is read in `cursor_scope` (default: the queryset
    itself, so filters such as `created` do not hide it) by a subquery of the
    page's own statement; only an empty page pays a second query, to tell an
    unknown cursor (UnknownCursor) from the end of the list.
    """
    if starting_after is not None and ending_before is not None:
        raise ValueError("starting_after and ending_before are exclusive")
    cursor_id = ending_before if ending_before is not None else starting_after
    newer = ending_before is not None
    cursor = None
    if cursor_id is not None:
        cursor = (queryset if cursor_scope is None else cursor_scope).filter(**{id_field: cursor_id})
        created = Subquery(cursor.values("created")[:1])
        # (created, id) beyond the cursor's, spelled so that the `created` bound alone is an index range.
        if newer:
            queryset = queryset.filter(
                Q(created__gte=created), Q(created__gt=created) | Q(**{f"{id_field}__gt": cursor_id})
            )
        else:
            queryset = queryset.filter(
                Q(created__lte=created), Q(created__lt=created) | Q(**{f"{id_field}__lt": cursor_id})
            )
    ordered = queryset.order_by("created", id_field) if newer else queryset.order_by("-created", f"-{id_field}")
    rows = list(ordered[: limit + 1])
    if cursor is not None and not rows and not cursor.exists():
        raise UnknownCursor(cursor_id)
    items = rows[:limit]
    return Page(items[::-1] if newer else items, len(rows) > limit)
