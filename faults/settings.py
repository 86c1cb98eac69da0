"""Settings for the fault suite's processes: the real settings, its own database file, slow exports on request.

FAULTS_EXPORT_DELAY (seconds per written chunk of a report file) makes exports
last long enough to kill a worker in the middle of one; nothing else changes
how the product runs.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "faults-only-insecure-secret-key")

from config.settings import *  # noqa: E402, F403
from config.settings import DATABASES, INSTALLED_APPS, VAR_DIR  # noqa: E402

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [app if app != "reporting" else "faults.apps.FaultsReportingConfig" for app in INSTALLED_APPS]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not os.environ.get("DATABASE_URL"):
    DATABASES["default"]["NAME"] = str(VAR_DIR / "faults.sqlite3")
