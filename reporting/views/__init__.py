"""The dashboard's views, by what they serve."""

from __future__ import annotations

from .account import account_settings, email_preference, preferences
from .cancel import run_cancel
from .catalogue import payout_search, report_types
from .health import healthz
from .keys import api_keys, revoke_api_key, switch_mode
from .run_list import run_list
from .runs import run_create, run_detail, run_download
from .schedules import schedule_create, schedule_delete, schedule_detail, schedule_list, schedule_pause, schedule_resume
from .sources import data_sources, disconnect_source, sync_source
from .webhooks import webhook_delete, webhook_detail, webhook_list, webhook_status, webhook_test

__all__ = [
    "account_settings",
    "api_keys",
    "data_sources",
    "email_preference",
    "disconnect_source",
    "healthz",
    "payout_search",
    "preferences",
    "report_types",
    "revoke_api_key",
    "run_cancel",
    "run_create",
    "run_detail",
    "run_download",
    "run_list",
    "schedule_create",
    "schedule_delete",
    "schedule_detail",
    "schedule_list",
    "schedule_pause",
    "schedule_resume",
    "switch_mode",
    "sync_source",
    "webhook_delete",
    "webhook_detail",
    "webhook_list",
    "webhook_status",
    "webhook_test",
]
