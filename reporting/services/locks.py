"""A database too busy to take a write: told apart from real failures, so every door can ask to retry.

SQLite has one writer at a time. A writer waits up to the `timeout` of the
database settings (`DATABASE_LOCK_TIMEOUT`) for the lock, then fails with
"database is locked". That is not a fault of the request: the API answers
Stripe's 429 `lock_timeout` error and the dashboard a 503 page, both with
`Retry-After`, instead of a 500. PostgreSQL's equivalents are a lock wait that
hit `lock_timeout` and a deadlock it broke by cancelling one side.
"""

from __future__ import annotations

from django.db import DatabaseError

# Seconds a client is told to wait before trying again.
RETRY_AFTER = 1
# SQLite's messages for SQLITE_BUSY and SQLITE_LOCKED.
_SQLITE_BUSY = ("database is locked", "database table is locked", "database schema is locked")
# PostgreSQL: lock_not_available, deadlock_detected.
_POSTGRES_BUSY = {"55P03", "40P01"}


def is_lock_timeout(exc: BaseException) -> bool:
    """Whether this error means the database was busy with another writer (worth retrying), not broken."""
    if not isinstance(exc, DatabaseError):
        return False
    if getattr(exc.__cause__, "sqlstate", None) in _POSTGRES_BUSY:
        return True
    return str(exc).lower().startswith(_SQLITE_BUSY)
