from __future__ import annotations

from typing import Any

from reporting.spreadsheet import CellFormat

from .accounts import Account, ApiKey, Membership, User, digest_secret
from .api import IDEMPOTENCY_TTL, FileLink, IdempotencyKey
from .events import Event
from .imports import ImportBusy, ImportJob
from .ledger import AppendOnlyError, BalanceTransaction, DailyTotal, DataWatermark, Payout, data_availability
from .runs import Door, File, InvalidTransition, ReportRun, ReportType, report_storage
from .schedules import Schedule, ScheduledRun
from .sources import StripeSource
from .webhooks import ApiEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "IDEMPOTENCY_TTL",
    "ApiEvent",
    "FileLink",
    "IdempotencyKey",
    "Account",
    "ApiKey",
    "AppendOnlyError",
    "BalanceTransaction",
    "CellFormat",
    "DailyTotal",
    "DataWatermark",
    "Door",
    "Event",
    "File",
    "ImportBusy",
    "ImportJob",
    "InvalidTransition",
    "Membership",
    "Payout",
    "ReportRun",
    "ReportType",
    "Schedule",
    "ScheduledRun",
    "StripeSource",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "data_availability",
    "digest_secret",
    "report_storage",
    "sync_report_types",
]


def sync_report_types(**kwargs: Any) -> None:
    """Create or update one ReportType row per type in the code registry."""
    from reporting.reports import REPORT_TYPES

    for report in REPORT_TYPES.values():
        code = {"name": report.name, "version": report.version, "default_columns": report.default_columns}
        # live_only starts as the code's default, then is the back office's call.
        ReportType.objects.update_or_create(
            id=report.id, defaults=code, create_defaults={**code, "live_only": report.live_only}
        )
