"""load_demo and reset_demo_ledger: the demo account, user and keys, both modes filled once, reset and reload."""

from __future__ import annotations

import io
import string
from datetime import UTC, datetime, timedelta

import pytest

from reporting.demo import DEMO_ACCOUNT_ID, DEMO_LIVE_SECRET, DEMO_TEST_SECRET, load_demo, reset_demo_ledger
from reporting.models import Account, ApiKey, BalanceTransaction, Event, Membership, Payout, User
from reporting.models.accounts import generate_secret
from tests.demo.conftest import ledger_snapshot

pytestmark = pytest.mark.django_db


def test_load_demo_fills_both_modes():
    loads = load_demo(rows=2000, seed=1)

    test_rows = BalanceTransaction.objects.for_mode(DEMO_ACCOUNT_ID, False).count()
    live_rows = BalanceTransaction.objects.for_mode(DEMO_ACCOUNT_ID, True).count()
    assert [(load.livemode, load.rows, load.generated) for load in loads] == [
        (False, test_rows, True),
        (True, live_rows, True),
    ]
    assert 0 < live_rows < test_rows
    assert Payout.objects.for_mode(DEMO_ACCOUNT_ID, True).exists()


def test_load_demo_ends_the_ledger_today():
    today = datetime.now(tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)

    load_demo(rows=2000, seed=1)

    last = BalanceTransaction.objects.filter(account_id=DEMO_ACCOUNT_ID).latest("effective_at")
    assert today - timedelta(days=7) < last.effective_at < today


def test_load_demo_twice_adds_nothing():
    load_demo(rows=2000, seed=1)
    before = ledger_snapshot(DEMO_ACCOUNT_ID), ledger_snapshot(DEMO_ACCOUNT_ID, True)
    counts = [model.objects.count() for model in (Account, User, Membership, ApiKey, Event)]

    loads = load_demo(rows=2000, seed=1)

    assert [load.generated for load in loads] == [False, False]
    assert (ledger_snapshot(DEMO_ACCOUNT_ID), ledger_snapshot(DEMO_ACCOUNT_ID, True)) == before
    assert [model.objects.count() for model in (Account, User, Membership, ApiKey, Event)] == counts


def test_load_demo_reports_each_mode():
    out = io.StringIO()

    load_demo(rows=1000, seed=1, stdout=out)
    load_demo(rows=1000, seed=1, stdout=out)

    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["test mode", "live mode", "test mode", "live mode"]
    assert "generated" in lines[0]
    assert "already loaded" in lines[2]


def test_load_demo_after_reset_regenerates_the_same_ledger():
    load_demo(rows=2000, seed=1)
    before = ledger_snapshot(DEMO_ACCOUNT_ID)
    demo_rows = BalanceTransaction.objects.filter(account_id=DEMO_ACCOUNT_ID)  # not the module's shared ledger
    old_pks = set(demo_rows.values_list("pk", flat=True))

    deleted = reset_demo_ledger()
    load_demo(rows=2000, seed=1)

    assert deleted == len(old_pks)
    assert ledger_snapshot(DEMO_ACCOUNT_ID) == before
    assert not old_pks & set(demo_rows.values_list("pk", flat=True))


def test_reset_demo_ledger_leaves_other_accounts_alone(ledger_account):
    load_demo(rows=1000, seed=1)
    others = BalanceTransaction.objects.filter(account=ledger_account).count()

    reset_demo_ledger()

    assert not BalanceTransaction.objects.filter(account_id=DEMO_ACCOUNT_ID).exists()
    assert not Payout.objects.filter(account_id=DEMO_ACCOUNT_ID).exists()
    assert BalanceTransaction.objects.filter(account=ledger_account).count() == others


def test_load_demo_creates_demo_user_as_staff_admin_member():
    load_demo(rows=0)

    user = User.objects.get(username="demo")
    membership = Membership.objects.get(user=user, account_id=DEMO_ACCOUNT_ID)
    assert user.check_password("demo")
    assert (user.is_staff, user.is_superuser, user.timezone) == (True, False, "Europe/Berlin")
    assert membership.role == Membership.Role.ADMIN
    assert Account.objects.get(pk=DEMO_ACCOUNT_ID).name == "Demo Company"


@pytest.mark.parametrize(("secret", "livemode"), [(DEMO_TEST_SECRET, False), (DEMO_LIVE_SECRET, True)])
def test_demo_keys_authenticate_in_their_mode(secret, livemode):
    load_demo(rows=0)

    key = ApiKey.objects.authenticate(secret)

    assert key is not None
    assert (key.account_id, key.livemode, key.name) == (DEMO_ACCOUNT_ID, livemode, "Demo key")


@pytest.mark.parametrize(("secret", "livemode"), [(DEMO_TEST_SECRET, False), (DEMO_LIVE_SECRET, True)])
def test_demo_secrets_look_like_generated_ones(secret, livemode):
    generated = generate_secret(livemode)

    assert len(secret) == len(generated)
    assert secret[:8] == generated[:8]
    assert set(secret[8:]) <= set(string.ascii_letters + string.digits)
