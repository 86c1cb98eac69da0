from __future__ import annotations

import os
import time

from reporting.apps import ReportingConfig


class SlowReportingConfig(ReportingConfig):
    label = "reporting"

    def ready(self) -> None:
        super().ready()
        from reporting.reports.balance import BalanceSummary

        original = BalanceSummary.rows

        def slow_rows(self, params, fields):
            time.sleep(float(os.environ.get("SLOW_REPORT_SECONDS", "30")))
            return original(self, params, fields)

        BalanceSummary.rows = slow_rows  # type: ignore[method-assign]
