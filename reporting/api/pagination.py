"""Stripe's cursor pagination: limit, starting_after, ending_before, created filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from django.db import models
from django.db.models import Q

from reporting.services.pages import UnknownCursor, newest_first
from reporting.unixtime import MAX_TIMESTAMP, from_unix

from .errors import StripeError, resource_missing
from .params import integer

M = TypeVar("M", bound=models.Model)

RANGE_OPERATORS = ("gt", "gte", "lt", "lte")
LAST_MICROSECOND = timedelta(microseconds=999_999)


def time_filter(value: Any, field: str = "created") -> Q:
    """`created=T` or `created[gt|gte|lt|lte]=T` in Unix seconds; rows store microseconds.

    `field` names the time and the parameter: `created`, or a payout's `arrival_date`.
    """
    if isinstance(value, str):
        exact = from_unix(integer(value, field, minimum=0, maximum=MAX_TIMESTAMP))
        return Q(**{f"{field}__gte": exact, f"{field}__lte": exact + LAST_MICROSECOND})
    if not isinstance(value, dict) or not value:
        raise StripeError(f"Invalid {field}: must be an integer or a hash of gt, gte, lt, lte", param=field)
    q = Q()
    for op, raw in value.items():
        if op not in RANGE_OPERATORS:
            raise StripeError(
                f"Received unknown parameter: {field}[{op}]", code="parameter_unknown", param=f"{field}[{op}]"
            )
        moment = from_unix(integer(raw, f"{field}[{op}]", minimum=0, maximum=MAX_TIMESTAMP))
        # A whole second t covers t.000000 to t.999999 (never t+1: 9999-12-31 23:59:59 has no successor).
        last = moment + LAST_MICROSECOND
        q &= Q(**{f"{field}__{op}": last if op in ("gt", "lte") else moment})
    return q


def paginate(
    queryset: models.QuerySet[M],
    params: dict[str, Any],
    *,
    kind: str,
    id_field: str = "pk",
    cursor_scope: models.QuerySet[M] | None = None,
) -> tuple[list[M], bool]:
    """Return one page, newest first (ties broken by `id_field`, which cursors name), and whether more lie beyond it.

    Cursors are looked up in `cursor_scope` (default: `queryset`, before the `created` filter).
    """
    limit = integer(params["limit"], "limit", minimum=1, maximum=100) if "limit" in params else 10
    after, before = params.get("starting_after"), params.get("ending_before")
    if after is not None and before is not None:
        raise StripeError(
            "You may only specify one of these parameters: starting_after, ending_before.",
            code="parameters_exclusive",
            param="ending_before",
        )
    for param, cursor in (("starting_after", after), ("ending_before", before)):
        if cursor is not None and (not isinstance(cursor, str) or not cursor):
            raise StripeError(f"Invalid {param}: must be an object id", param=param)
    # Cursors are looked up in the caller's own account and mode only, whatever `created` says.
    filtered = queryset.filter(time_filter(params["created"])) if "created" in params else queryset
    try:
        page = newest_first(
            filtered,
            limit=limit,
            starting_after=after,
            ending_before=before,
            cursor_scope=queryset if cursor_scope is None else cursor_scope,
            id_field=id_field,
        )
    except UnknownCursor as exc:
        raise resource_missing(
            kind, str(exc), param="ending_before" if before is not None else "starting_after"
        ) from None
    return page.items, page.has_more
