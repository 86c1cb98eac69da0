"""The rules every door shares: the dashboard, the API, the admin, the commands and the tasks call these.

- `runs`: request a run (role, live-only types, availability, parameters).
- `accounts`: change an account's settings (how its files write text cells).
- `execution`: generate a run's file and record the outcome; reap lost runs.
- `keys`: issue and revoke API keys.
- `files`: serve a report file.
- `pages`: keyset pages, newest first.
"""

from __future__ import annotations

from .accounts import set_cell_format
from .caller import Caller
from .execution import execute_report_run, params_for, reap_report_runs
from .files import FileUnavailable, download
from .keys import issue_key, revoke_key
from .pages import Page, UnknownCursor, newest_first
from .runs import Problem, RunRequestError, request_run

__all__ = [
    "Caller",
    "FileUnavailable",
    "Page",
    "Problem",
    "RunRequestError",
    "UnknownCursor",
    "download",
    "execute_report_run",
    "issue_key",
    "newest_first",
    "params_for",
    "reap_report_runs",
    "request_run",
    "revoke_key",
    "set_cell_format",
]
