"""Stripe's timestamps: whole Unix seconds, UTC, and the UTC days its reports count in."""

from __future__ import annotations

from datetime import UTC, datetime

# Unix seconds up to the year 9999: larger values are out of range, not dates.
MAX_TIMESTAMP = 253402300799


def from_unix(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def utc_midnight(moment: datetime) -> datetime:
    """Return the UTC midnight at or before `moment`."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
