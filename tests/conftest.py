from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from celery import Celery

from config.celery import app as celery_app
from reporting import embedded_redis
from reporting.models import DataWatermark, Membership
from tests.factories import AccountFactory, MembershipFactory, UserFactory

# With CI set, a skipped test is a failed run: nothing may pass by not running.
_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"} and _skipped:
        print(f"\nCI is set and {len(_skipped)} test(s) were skipped: {', '.join(_skipped)}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def use_broker(app: Celery, url: str) -> None:
    """Point the Celery app at another broker, dropping its cached connection pools."""
    app.conf.update(broker_url=url)
    # Celery caches connection pools built from the old URL.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(autouse=True, scope="session")
def _memory_broker() -> None:
    # An accidental enqueue in a unit test must never wait for a broker.
    use_broker(celery_app, "memory://")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.CELERY_BROKER_URL = "memory://"
    settings.STORAGES = {
        **settings.STORAGES,
        "reports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real Redis: REDIS_URL when set, else the embedded one on a private socket."""
    if url := os.environ.get("REDIS_URL"):
        yield url
        return
    socket = Path(tmp_path_factory.mktemp("redis")) / "redis.sock"
    process = embedded_redis.start(socket, persist=False)
    yield f"redis+socket://{socket}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def celery_worker(redis_url, settings):
    """A real Celery worker thread consuming from the real Redis (needs transaction=True)."""
    from celery.contrib.testing.worker import start_worker

    settings.CELERY_BROKER_URL = redis_url
    use_broker(celery_app, redis_url)
    # No result backend (state lives on the row), hence no ping check.
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30
    ) as worker:
        yield worker
    use_broker(celery_app, "memory://")


@pytest.fixture
def account(db):
    account = AccountFactory(name="Acme", created=datetime(2025, 1, 1, tzinfo=UTC))
    for livemode in (False, True):
        DataWatermark.advance(account, livemode, datetime(2025, 12, 1, tzinfo=UTC))
    return account


@pytest.fixture
def analyst(account):
    return MembershipFactory(account=account, user=UserFactory(username="ana"), role=Membership.Role.ANALYST).user


@pytest.fixture
def admin_member(account):
    return MembershipFactory(account=account, user=UserFactory(username="adam"), role=Membership.Role.ADMIN).user
