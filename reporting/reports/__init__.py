"""The registry of report types, read like INSTALLED_APPS: explicit, in one place."""

from __future__ import annotations

from .balance import BalanceChangeFromActivityItemized, BalanceChangeFromActivitySummary, BalanceSummary
from .base import Params, Report, ReportError
from .payouts import PayoutsItemized, PayoutsSummary

REPORT_TYPES: dict[str, Report] = {
    report.id: report
    for report in (
        BalanceSummary(),
        BalanceChangeFromActivitySummary(),
        BalanceChangeFromActivityItemized(),
        PayoutsSummary(),
        PayoutsItemized(),
    )
}


def get_report(report_type: str) -> Report | None:
    return REPORT_TYPES.get(report_type)


__all__ = ["REPORT_TYPES", "Params", "Report", "ReportError", "get_report"]
