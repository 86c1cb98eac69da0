from __future__ import annotations

import os
import time
from typing import Any

from reporting.apps import ReportingConfig


class FaultsReportingConfig(ReportingConfig):
    """The product's app, with report files written slowly when FAULTS_EXPORT_DELAY is set."""

    label = "reporting"

    def ready(self) -> None:
        super().ready()
        delay = float(os.environ.get("FAULTS_EXPORT_DELAY") or 0)
        if not delay:
            return
        from reporting.services import execution

        class SlowWriter(execution.HashingWriter):
            def write(self, data: Any) -> int:
                time.sleep(delay)
                return super().write(data)

        execution.HashingWriter = SlowWriter  # type: ignore[misc]
