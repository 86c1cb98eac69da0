"""The demo account: a fixed login, fixed API keys and a generated, realistic ledger.

`load_demo` is idempotent: it creates what is missing and generates a mode's
ledger only while that mode has none. The generator is deterministic: the same
seed and end give the same Stripe ids, amounts and times. Live mode gets a
fifth of the rows.

The ledger itself comes from `reporting.demo.ledger` (which says where each part
of the simulation lives); the tables it draws from are in `reporting.demo.catalogue`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from reporting import services
from reporting.demo.ledger import generate_ledger
from reporting.demo.simulation import HISTORY_DAYS
from reporting.models import (
    Account,
    ApiKey,
    BalanceTransaction,
    DataWatermark,
    Door,
    Membership,
    Payout,
    User,
    digest_secret,
)
from reporting.unixtime import utc_midnight

__all__ = [
    "DEFAULT_ROWS",
    "DEFAULT_SEED",
    "DEMO_ACCOUNT_ID",
    "DEMO_ACCOUNT_NAME",
    "DEMO_EMAIL",
    "DEMO_KEY_NAME",
    "DEMO_LIVE_SECRET",
    "DEMO_PASSWORD",
    "DEMO_TEST_SECRET",
    "DEMO_TIMEZONE",
    "DEMO_USERNAME",
    "HISTORY_DAYS",
    "LIVE_ROWS_DIVISOR",
    "ModeLoad",
    "demo_end",
    "ensure_demo_account",
    "generate_ledger",
    "load_demo",
    "reset_demo_ledger",
    "utc_midnight",
]

DEMO_ACCOUNT_ID = "acct_demo000000000000"
DEMO_ACCOUNT_NAME = "Demo Company"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"
DEMO_EMAIL = "demo@example.com"
DEMO_TIMEZONE = "Europe/Berlin"
DEMO_KEY_NAME = "Demo key"
# Published on purpose, like the login: anyone running the demo may use them.
# Same shape as generated secrets (8-character prefix + 48 base62 characters).
DEMO_TEST_SECRET = "sk_test_demo" + "YGAnAe8EfoqbC8YqWmjlgxhgrv9QJROHgPNx0OQYNUQh"
DEMO_LIVE_SECRET = "sk_live_demo" + "6SUDd9oyvzHyUqQDItznntJlcRrnnrxxpgnwKDMVRImS"

DEFAULT_ROWS = 50_000
DEFAULT_SEED = 42
LIVE_ROWS_DIVISOR = 5


class _Writer(Protocol):
    def write(self, msg: str, /) -> object: ...


@dataclass(frozen=True, slots=True)
class ModeLoad:
    livemode: bool
    rows: int
    generated: bool
    seconds: float


def _today() -> datetime:
    return utc_midnight(timezone.now())


def ensure_demo_account() -> Account:
    """Create the demo account, user, membership and API keys where missing."""
    with transaction.atomic():
        # The account "opened" when its ledger starts; later loads read the anchor back from it.
        account, _ = Account.objects.get_or_create(
            id=DEMO_ACCOUNT_ID, defaults={"name": DEMO_ACCOUNT_NAME, "created": _today() - timedelta(days=HISTORY_DAYS)}
        )
        user = User.objects.filter(username=DEMO_USERNAME).first()
        if user is None:
            user = User.objects.create_user(
                DEMO_USERNAME,
                DEMO_EMAIL,
                DEMO_PASSWORD,
                first_name="Demo",
                last_name="User",
                timezone=DEMO_TIMEZONE,
                is_staff=True,
            )
        Membership.objects.get_or_create(user=user, account=account, defaults={"role": Membership.Role.ADMIN})
        # Staff without model permissions would find an empty admin: let the demo user read it.
        user.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="reporting", codename__startswith="view_")
        )
        for livemode, secret in ((False, DEMO_TEST_SECRET), (True, DEMO_LIVE_SECRET)):
            if not ApiKey.objects.filter(digest=digest_secret(secret)).exists():
                services.issue_key(
                    services.Caller(account, livemode, Door.CLI, user=user), name=DEMO_KEY_NAME, secret=secret
                )
    return account


def demo_end(account: Account) -> datetime:
    """Return the UTC midnight the demo ledger ends at: the first load's day, at most today."""
    return min(utc_midnight(account.created) + timedelta(days=HISTORY_DAYS), _today())


def load_demo(*, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED, stdout: _Writer | None = None) -> list[ModeLoad]:
    """Create the demo account and fill each empty mode's ledger; live mode gets rows // 5."""
    account = ensure_demo_account()
    end = demo_end(account)
    loads = []
    for livemode in (False, True):
        mode = "live" if livemode else "test"
        started = time.perf_counter()
        # Checked and filled in one transaction, so two concurrent loads cannot both fill a mode.
        with transaction.atomic():
            existing = BalanceTransaction.objects.for_mode(account, livemode).count()
            written = existing
            if not existing:
                mode_rows = rows // LIVE_ROWS_DIVISOR if livemode else rows
                written = generate_ledger(
                    account=account, livemode=livemode, rows=mode_rows, seed=seed + (1 if livemode else 0), end=end
                )
        seconds = time.perf_counter() - started
        load = ModeLoad(livemode=livemode, rows=written, generated=not existing, seconds=seconds)
        loads.append(load)
        if stdout is not None:
            if load.generated:
                stdout.write(f"{mode} mode: generated {load.rows:,} balance transactions in {seconds:.1f} s\n")
            else:
                stdout.write(f"{mode} mode: already loaded ({load.rows:,} balance transactions), left as is\n")
    return loads


def reset_demo_ledger() -> int:
    """Delete the demo ledger in both modes, re-anchor it at today, and return the rows deleted."""
    with transaction.atomic():
        # QuerySet.delete() skips the append-only guard on instances; payouts go
        # last because transactions protect them.
        deleted, _ = BalanceTransaction.objects.filter(account_id=DEMO_ACCOUNT_ID).delete()
        Payout.objects.filter(account_id=DEMO_ACCOUNT_ID).delete()
        DataWatermark.objects.filter(account_id=DEMO_ACCOUNT_ID).delete()
        Account.objects.filter(id=DEMO_ACCOUNT_ID).update(created=_today() - timedelta(days=HISTORY_DAYS))
    return deleted
