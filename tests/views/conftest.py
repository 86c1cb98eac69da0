"""The dashboard's test ledger and logged-in analyst, and the htmx header and new-run form helpers its tests share."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.urls import reverse

from reporting import tasks
from tests.factories import BalanceTransactionFactory

HX = {"HX-Request": "true"}


@pytest.fixture
def ledger(account):
    for month in (1, 6, 11):
        BalanceTransactionFactory(account=account, created=datetime(2025, month, 3, 12, tzinfo=UTC))
        BalanceTransactionFactory(account=account, livemode=True, created=datetime(2025, month, 3, 12, tzinfo=UTC))
    return account


@pytest.fixture
def analyst_client(client, analyst, ledger):
    client.force_login(analyst)
    return client


def create_url(**params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("reporting:run-create") + (f"?{query}" if query else "")


def posted(client, data, **kwargs):
    with mock.patch.object(tasks.run_report, "delay"):
        return client.post(reverse("reporting:run-create"), data, **kwargs)
