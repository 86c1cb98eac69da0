"""Instance A's settings in the sync tests: the test settings plus a switch that answers like a failing Stripe."""

from __future__ import annotations

from config.test_settings import *  # noqa: F403
from config.test_settings import MIDDLEWARE

MIDDLEWARE = ["tests.sources.upstream_faults.StripeFaults", *MIDDLEWARE]
