"""Stripe-style object ids: a prefix and random base62 characters."""

from __future__ import annotations

import secrets
import string

ALPHABET = string.ascii_letters + string.digits


def random_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_account_id() -> str:
    return random_id("acct_", 16)


def new_report_run_id() -> str:
    return random_id("frr_")


def new_file_id() -> str:
    return random_id("file_")


def new_file_link_id() -> str:
    return random_id("link_")


def new_event_id() -> str:
    return random_id("evt_")


def new_webhook_endpoint_id() -> str:
    return random_id("we_")


def new_webhook_secret() -> str:
    # Stripe's signing secrets are `whsec_` and 32 random base62 characters.
    return random_id("whsec_", 32)


def new_schedule_id() -> str:
    return random_id("sched_")
