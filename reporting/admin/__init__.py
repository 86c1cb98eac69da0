"""The back office: review runs, inspect the ledger, read the event log.

Everything here is scoped by tenant. Superusers see every account; other staff
see only the accounts they are members of, and live-mode rows only where their
membership's role is admin (the same rule as the dashboard). An object outside
that scope answers 404, exactly like one that does not exist.

Runs, files, the ledger and the event log are read-only in the admin: runs are
changed only by their worker, the ledger and the log are append-only. The
admin's one write on runs is "Re-run", which requests new runs through
`reporting.services`, like the dashboard and the API do. Accounts, memberships
and users are changed by superusers, and by account admins within their accounts
only (members.py).
"""

from __future__ import annotations

from . import accounts, files, keys, ledger, members, runs

__all__ = ["accounts", "files", "keys", "ledger", "members", "runs"]
