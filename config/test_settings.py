"""Settings for the test suite: the real settings plus a throwaway secret."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-test-only-secret-key")

from config.settings import *  # noqa: E402, F403
from config.settings import STATIC_ROOT  # noqa: E402

ALLOWED_HOSTS = ["*"]
# The test client and the live server speak plain HTTP. Cookies stay Secure, as in
# production: the test client and Chromium on localhost both keep them.
SECURE_SSL_REDIRECT = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Serve static files from the app directories: tests never run collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The suite sends requests and runs far faster than any client: limits are off, except in
# the tests about them (tests/api/test_limits.py), which turn them on against a real Redis.
API_RATE_LIMIT_PER_KEY = API_RATE_LIMIT_PER_ACCOUNT = RUN_RATE_LIMIT_PER_ACCOUNT = ""
# No heartbeat in in-process tests unless they ask (REPORT_HEARTBEAT_SECONDS, or the
# settings fixture): their rows live in the test's open transaction, which the heartbeat
# thread's own connection cannot see (PostgreSQL) or must wait for (SQLite's write lock).
REPORT_HEARTBEAT_SECONDS = env.float("REPORT_HEARTBEAT_SECONDS", default=3600.0)  # noqa: F405
REPORT_PROGRESS_SECONDS = env.float("REPORT_PROGRESS_SECONDS", default=3600.0)  # noqa: F405
# Tests deliver webhooks to servers they start on 127.0.0.1 (one test turns the rule back on).
WEBHOOKS_ALLOW_PRIVATE_URLS = True
