"""Report storage that stalls halfway through its first save, to kill a worker mid-export for real.

With SLOW_STORAGE_MARKER set, the first save (the marker file does not exist
yet) writes the first half of the report to the real file, flushes it to disk,
writes the worker process's pid to the marker and sleeps: the test then kills
that process, leaving a half-written file as a crash would. Later saves (the
marker exists) are ordinary.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage


class StallingStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        marker = os.environ.get("SLOW_STORAGE_MARKER")
        if marker and not Path(marker).exists():
            return self._stall(name, content, Path(marker))
        return super()._save(name, content)

    def _stall(self, name: str, content: Any, marker: Path) -> str:
        data = b"".join(content.chunks())
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as out:
            out.write(data[: len(data) // 2])
            out.flush()
            os.fsync(out.fileno())
            marker.write_text(f"{os.getpid()} {len(data)}")
            time.sleep(120)
        raise AssertionError("the test kills this process before it wakes")
