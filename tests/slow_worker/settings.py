from __future__ import annotations

import os

from config.test_settings import *  # noqa: F403
from config.test_settings import INSTALLED_APPS, REPORT_FILES_ROOT

INSTALLED_APPS = [app if app != "reporting" else "tests.slow_worker.apps.SlowReportingConfig" for app in INSTALLED_APPS]
# The stalling storage is a directory: only for the tests that stall a save (SLOW_STORAGE_MARKER, marked
# local_storage); the others keep the report storage the environment names (a bucket on the S3 leg).
if os.environ.get("SLOW_STORAGE_MARKER"):
    STORAGES = {
        **STORAGES,  # noqa: F405
        "reports": {
            "BACKEND": "tests.slow_worker.storage.StallingStorage",
            "OPTIONS": {"location": str(REPORT_FILES_ROOT), "base_url": None},
        },
    }
# A killed child's task comes back after 1 s, not Celery's 10: the kill tests stay short.
CELERY_WORKER_LOST_WAIT = 1.0
