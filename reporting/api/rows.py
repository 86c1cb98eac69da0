"""Fetching single rows on the API's hot paths."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def one(queryset: QuerySet[M]) -> M | None:
    """Return the row a unique filter matches, or None.

    Unlike first(), adds no ORDER BY: nothing to compile or sort for a lookup by
    primary key, digest or token, which every API request makes.
    """
    return next(iter(queryset.order_by()[:1]), None)
