"""The registry of report types, read like INSTALLED_APPS: explicit, in one place."""

from __future__ import annotations

from . import reconciliation as r
from .balance import (
    BalanceChangeFromActivityItemized,
    BalanceChangeFromActivityItemized2,
    BalanceChangeFromActivityItemized3,
    BalanceChangeFromActivitySummary,
    BalanceSummary,
)
from .base import Params, Report, ReportError
from .payouts import PayoutsItemized, PayoutsItemized2, PayoutsItemized3, PayoutsSummary

REPORT_TYPES: dict[str, Report] = {
    report.id: report
    for report in (
        BalanceSummary(),
        BalanceChangeFromActivitySummary(),
        BalanceChangeFromActivityItemized(),
        BalanceChangeFromActivityItemized2(),
        BalanceChangeFromActivityItemized3(),
        PayoutsSummary(),
        PayoutsItemized(),
        PayoutsItemized2(),
        PayoutsItemized3(),
        r.PayoutReconciliationSummary(),
        r.PayoutReconciliationItemized(),
        r.PayoutReconciliationItemized2(),
        r.PayoutReconciliationItemized3(),
        r.PayoutReconciliationItemized4(),
        r.PayoutReconciliationItemized5(),
        r.PayoutReconciliationByIdSummary(),
        r.PayoutReconciliationByIdItemized(),
        r.PayoutReconciliationByIdItemized2(),
        r.PayoutReconciliationByIdItemized3(),
        r.PayoutReconciliationByIdItemized4(),
        r.EndingBalanceReconciliationSummary(),
        r.EndingBalanceReconciliationItemized(),
        r.EndingBalanceReconciliationItemized2(),
        r.EndingBalanceReconciliationItemized3(),
        r.EndingBalanceReconciliationItemized4(),
    )
}


def get_report(report_type: str) -> Report | None:
    return REPORT_TYPES.get(report_type)


def versions_of(report: Report) -> list[Report]:
    """Every version of the report's type, itself included, in the registry's order."""
    kind = report.id.rsplit(".", 1)[0]
    return [r for r in REPORT_TYPES.values() if r.id.rsplit(".", 1)[0] == kind]


__all__ = ["REPORT_TYPES", "Params", "Report", "ReportError", "get_report", "versions_of"]
