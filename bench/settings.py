"""Settings for the benchmark's processes: the real settings, a bench-only URLconf and database file.

The orchestrator (bench/run.py) sets VAR_DIR, DATABASE_URL and REDIS_URL for
itself and every process it starts; nothing here changes how the product runs.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-insecure-secret-key")

from config.settings import *  # noqa: E402, F403
from config.settings import DATABASES, VAR_DIR  # noqa: E402

ROOT_URLCONF = "bench.urls"
# The in-process Django test client (query counts) asks as "testserver".
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# Plain HTTP on 127.0.0.1, as `make run`.
SECURE_SSL_REDIRECT = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not os.environ.get("DATABASE_URL"):
    # Never the product's db.sqlite3, even if BENCH_VAR_DIR points at the product's var/.
    DATABASES["default"]["NAME"] = str(VAR_DIR / "bench.sqlite3")
