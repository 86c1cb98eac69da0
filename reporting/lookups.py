"""A boolean `exact` lookup that indexes can serve on every database."""

from __future__ import annotations

from typing import Any

from django.db.models.lookups import BuiltinLookup, Exact


class IndexableExact(Exact[Any]):
    """Write `livemode = %s`, never Django's `NOT livemode` shorthand for booleans.

    SQLite cannot use an index for `NOT column`, so every (account, livemode, …)
    index stopped at account: listing one account's runs or one interval of its
    ledger scanned all of that account's rows. PostgreSQL plans both forms alike.
    """

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        return BuiltinLookup.as_sql(self, compiler, connection)
