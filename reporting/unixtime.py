"""Stripe's timestamps: whole Unix seconds, UTC."""

from __future__ import annotations

from datetime import UTC, datetime

# Unix seconds up to the year 9999: larger values are out of range, not dates.
MAX_TIMESTAMP = 253402300799


def from_unix(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)
