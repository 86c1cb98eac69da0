from __future__ import annotations

from config.test_settings import *  # noqa: F403
from config.test_settings import INSTALLED_APPS

INSTALLED_APPS = [app if app != "reporting" else "tests.slow_worker.apps.SlowReportingConfig" for app in INSTALLED_APPS]
# A killed child's task comes back after 1 s, not Celery's 10: the kill tests stay short.
CELERY_WORKER_LOST_WAIT = 1.0
