"""The dashboard's views, by what they serve."""

from __future__ import annotations

from .catalogue import payout_search, report_types
from .health import healthz
from .keys import api_keys, revoke_api_key, switch_mode
from .runs import run_create, run_detail, run_download, run_list

__all__ = [
    "api_keys",
    "healthz",
    "payout_search",
    "report_types",
    "revoke_api_key",
    "run_create",
    "run_detail",
    "run_download",
    "run_list",
    "switch_mode",
]
