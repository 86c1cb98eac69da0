from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from tests.factories import BalanceTransactionFactory


class ApiClient(Client):
    """A test client that sends a Stripe secret key as a Bearer token."""

    def __init__(self, secret: str, **kwargs):
        super().__init__(HTTP_AUTHORIZATION=f"Bearer {secret}", **kwargs)


@pytest.fixture
def ledger(account):
    for livemode in (False, True):
        for month in (1, 6, 9, 11):
            BalanceTransactionFactory(
                account=account, livemode=livemode, created=datetime(2025, month, 3, 12, tzinfo=UTC)
            )
    return account


@pytest.fixture
def api(test_secret, ledger):
    return ApiClient(test_secret)


@pytest.fixture
def live_api(live_secret, ledger):
    return ApiClient(live_secret)
