"""A database busy with another writer: the API answers 429 `lock_timeout`, the dashboard a 503 page; never a 500."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from reporting.models import IdempotencyKey, Membership, ReportRun
from tests.factories import MembershipFactory, UserFactory

from .report_runs.conftest import SEPT, create

# No test transaction: another connection must be able to hold the lock this one waits for.
pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def busy_database() -> Iterator[None]:
    """Hold a write lock from another connection; this connection gives up waiting after 0.2 s.

    SQLite: another writer holds the database's one write lock (as a long import would).
    PostgreSQL: another transaction holds the runs table against inserts, and
    `lock_timeout` bounds the wait as DATABASE_LOCK_TIMEOUT bounds SQLite's.
    """
    connection.ensure_connection()
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.connection.execute("PRAGMA busy_timeout = 200")
        writer = sqlite3.connect(db["NAME"], isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            writer.rollback()
            writer.close()
            connection.close()  # back to the settings' timeout
        return
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    params = {"dbname": db["NAME"], "user": db["USER"], "host": db["HOST"], "port": db["PORT"] or None}
    with psycopg.connect(**params, password=db["PASSWORD"] or None) as other:
        other.execute("LOCK TABLE reporting_reportrun IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            other.rollback()
            connection.close()


def test_api_answers_429_lock_timeout_and_the_retry_goes_through(api):
    with busy_database():
        busy, delay = create(api, {"report_type": "balance.summary.1", **SEPT}, **{"Idempotency-Key": "k1"})

    error = busy.json()["error"]
    assert busy.status_code == 429
    assert (error["type"], error["code"]) == ("invalid_request_error", "lock_timeout")
    assert busy["Retry-After"] == "1"
    assert busy["Stripe-Should-Retry"] == "true"  # Stripe's clients retry on this header
    delay.assert_not_called()
    assert not ReportRun.objects.exists()
    assert not IdempotencyKey.objects.exists()  # the key is free for the retry
    retry, _ = create(api, {"report_type": "balance.summary.1", **SEPT}, **{"Idempotency-Key": "k1"})
    assert retry.status_code == 200
    assert ReportRun.objects.get().id == retry.json()["id"]


def test_dashboard_answers_a_503_page_that_asks_to_retry(client, account, ledger):
    client.raise_request_exception = False  # as a real server does: Django turns the error into a response
    client.force_login(MembershipFactory(account=account, user=UserFactory(), role=Membership.Role.ANALYST).user)
    form = {"report_type": "balance.summary.1", "start_date": "2025-09-01", "end_date": "2025-09-30"}

    with busy_database():
        response = client.post(reverse("reporting:run-create"), {**form, "timezone": "Etc/UTC"})

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "please try again in a few seconds" in response.content.decode()
    assert not ReportRun.objects.exists()
