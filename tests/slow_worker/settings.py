from __future__ import annotations

from config.test_settings import *  # noqa: F403
from config.test_settings import INSTALLED_APPS

INSTALLED_APPS = [app if app != "reporting" else "tests.slow_worker.apps.SlowReportingConfig" for app in INSTALLED_APPS]
