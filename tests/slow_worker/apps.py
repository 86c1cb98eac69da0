"""The slow worker: a balance summary that sleeps first, and a report file that stalls mid-write.

With SLOW_STORAGE_MARKER set, the first report file (the marker does not exist
yet) stops after its first chunk has reached storage (flushed and fsynced on a
local disk; held in memory for an S3 upload), writes the worker process's pid to the marker
and sleeps: the test then kills that process, leaving what a crash leaves. Later
files (the marker exists) are ordinary.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from reporting.apps import ReportingConfig


class SlowReportingConfig(ReportingConfig):
    label = "reporting"

    def ready(self) -> None:
        super().ready()
        from reporting.reports.balance import BalanceSummary
        from reporting.services.uploads import Upload

        original = BalanceSummary.rows

        def slow_rows(self, params, fields):
            time.sleep(float(os.environ.get("SLOW_REPORT_SECONDS", "30")))
            return original(self, params, fields)

        BalanceSummary.rows = slow_rows  # type: ignore[method-assign]

        write = Upload.write

        def stalling_write(self: Upload, data: bytes | memoryview) -> int:
            written = write(self, data)
            marker = os.environ.get("SLOW_STORAGE_MARKER")
            if marker and not Path(marker).exists():
                target: Any = self._target
                if hasattr(target, "part"):  # a local `.part` file (an S3 upload holds its first part in memory)
                    target.file.flush()
                    os.fsync(target.file.fileno())
                Path(marker).write_text(str(os.getpid()))
                time.sleep(120)
                raise AssertionError("the test kills this process before it wakes")
            return written

        Upload.write = stalling_write  # type: ignore[method-assign]
