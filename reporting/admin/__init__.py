"""The back office: review runs, inspect the ledger, read the event log.

Everything here is scoped by tenant. Superusers see every account; other staff
see only the accounts they are members of, and live-mode rows only where their
membership's role is admin (the same rule as the dashboard). An object outside
that scope answers 404, exactly like one that does not exist.

Runs, files, the ledger, the event log and Stripe sources are read-only in the
admin: runs are changed only by their worker, sources only by their sync, the
ledger and the log are append-only. The admin's writes on them go through
`reporting.services`, like the dashboard's and the API's: "Re-run" requests new
runs, "Sync now" queues syncs of sources (sources.py). Events, webhook endpoints and
their deliveries are read-only too (webhooks.py), and so are schedules (schedules.py): their
owners and the account's admins change them on the dashboard. Accounts, memberships
and users are changed by superusers, and by account admins within their accounts
only (members.py).
"""

from __future__ import annotations

from . import accounts, files, keys, ledger, members, runs, schedules, sources, webhooks

__all__ = ["accounts", "files", "keys", "ledger", "members", "runs", "schedules", "sources", "webhooks"]
