from __future__ import annotations

import os
import queue
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest
from celery import Celery
from django.db import transaction
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from config.celery import app as celery_app
from reporting import embedded_redis, tasks
from reporting.models import ApiKey, DataWatermark, Membership
from tests.factories import AccountFactory, MembershipFactory, UserFactory

# Every log the suite produces is searched for the secrets it made (tests/log_secrets.py); report
# files are on the local disk, or in SeaweedFS with REPORT_TEST_STORAGE=s3 (tests/report_storage.py).
# The browser tests' fixtures (Chromium, a page, its console errors) are in tests/browser_fixtures.py.
pytest_plugins = ["tests.log_secrets", "tests.report_storage", "tests.browser_fixtures"]

# Hypothesis profiles: `ci` unless HYPOTHESIS_PROFILE names another (`make test-deep`: `deep`).
#
# ci: 30 examples a property, the same ones on every run and every machine (derandomized,
# no example database), so a failure in CI reproduces anywhere. Why 30: Hypothesis grows
# its examples as a run goes on, and by 30 these properties have drawn ledgers near
# their strategies' max sizes and given every report family rows in several examples
# (the rarest, payout reconciliation, has rows in about one example in six: 4 or more
# of the 30, see `pytest --hypothesis-show-statistics tests/reports/test_fast_paths.py`);
# with 10-15 the big ledgers and the rare families are barely reached. A property that
# costs far less (or far more) per example than a few report runs scales its count
# with `examples()`.
# deep: ten times as many, randomized, with the local example database (.hypothesis/)
# replaying earlier failures first: it explores, where ci guards.
hypothesis_settings.register_profile("ci", hypothesis_settings.get_profile("ci"), max_examples=30)
hypothesis_settings.register_profile(
    "deep", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def examples(scale: float = 1.0) -> int:
    """`scale` times the active profile's max_examples: a property's count that follows the profile."""
    return max(1, round(hypothesis_settings.default.max_examples * scale))


# With CI set, a skipped test is a failed run: nothing may pass by not running.
_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"} and _skipped:
        print(f"\nCI is set and {len(_skipped)} test(s) were skipped: {', '.join(_skipped)}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each leg runs the tests it can tell apart from the other: deselected, not skipped (see above).

    Tests marked `postgresql` leave the run on any other database. On PostgreSQL, the tests that
    reach neither the database nor report storage leave it too (`reaches_database_or_storage`):
    they run the same code on the same machine on both legs, and the SQLite leg runs them.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        keep = reaches_database_or_storage
    else:

        def keep(item: pytest.Item) -> bool:
            return item.get_closest_marker("postgresql") is None

    deselected = [item for item in items if not keep(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if keep(item)]


# What a test asks for when it stores or reads report files: on the PostgreSQL leg they are in S3.
STORAGE_FIXTURES = {"s3_server"}


def reaches_database_or_storage(item: pytest.Item) -> bool:
    """Whether a test can reach the test database or the report storage of its leg.

    The database: every way in (the `django_db` marker, `db`, `transactional_db`, `live_server`,
    a module's shared rows through `django_db_blocker`) needs `django_db_setup`, which creates the
    test database; without it pytest-django refuses the connection, so a test that does not have
    it among its fixtures never reaches the database. Report storage: `report_files` is set up
    for every test (autouse, tests/report_storage.py), so a test that stores or looks at files
    asks for it by name, or for the S3 server. Tests marked `postgresql` are kept whatever they use.
    """
    if item.get_closest_marker("postgresql") is not None or item.get_closest_marker("django_db") is not None:
        return True
    names = set(getattr(item, "fixturenames", ()))
    if "django_db_setup" in names or names & STORAGE_FIXTURES:
        return True
    asked = set(getattr(getattr(item, "_fixtureinfo", None), "argnames", ()))
    return "report_files" in asked


def use_broker(app: Celery, url: str) -> None:
    """Point the Celery app at another broker, dropping its cached connection pools."""
    app.conf.update(broker_url=url)
    # Celery caches connection pools built from the old URL.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(autouse=True, scope="session")
def _flush_by_delete() -> Iterator[None]:
    """After a transactional (live server) test, empty PostgreSQL's tables with DELETE, as Django does on SQLite.

    Django's one TRUNCATE of all 22 tables takes 0.5-0.9 s even when they hold a few rows
    (each table and index gets new files), more than most stripe client tests take to
    run; DELETE of those rows takes milliseconds. The same tables end up empty: the
    flush runs in one transaction and the foreign keys are deferred, checked at its
    COMMIT. A flush that resets sequences, or cascades beyond the tables it names,
    keeps TRUNCATE.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(autouse=True, scope="session")
def _memory_broker() -> None:
    # An accidental enqueue in a unit test must never wait for a broker.
    use_broker(celery_app, "memory://")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path, report_files):
    settings.CELERY_BROKER_URL = "memory://"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_FILES_ROOT = tmp_path / "imports"
    settings.STORAGES["imports"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "imports" / "uploads")},
    }


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


class InProcessTasks:
    """Broker and worker for tests about what a run produces, not how it travels.

    `run_report.delay` (what the on-commit enqueue calls) only records the run id;
    `run_queued()` then runs the real task in this thread, as a worker would.
    The real Redis + worker path keeps its own end-to-end tests (`celery_worker`).
    """

    def __init__(self) -> None:
        self._ids: queue.SimpleQueue[str] = queue.SimpleQueue()  # filled from the live server's threads

    def enqueue(self, run_id: str) -> None:
        self._ids.put(run_id)

    def run_queued(self) -> int:
        ran = 0
        while True:
            try:
                run_id = self._ids.get_nowait()
            except queue.Empty:
                return ran
            tasks.run_report(run_id)
            ran += 1


@pytest.fixture
def in_process_tasks() -> Iterator[InProcessTasks]:
    queued = InProcessTasks()
    with mock.patch.object(tasks.run_report, "delay", side_effect=queued.enqueue):
        yield queued


@contextmanager
def module_transaction(django_db_blocker) -> Iterator[None]:
    """An outer transaction for rows a module (or a package) builds once and its tests share.

    Each test's own transaction nests inside it as a savepoint and rolls back to it,
    so every test sees the shared rows as built; they are rolled back after the
    module's (package's) last test. Only where no test is transactional (live server).
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def account(db):
    account = AccountFactory(name="Acme", created=datetime(2025, 1, 1, tzinfo=UTC))
    for livemode in (False, True):
        DataWatermark.advance(account, livemode, datetime(2025, 12, 1, tzinfo=UTC))
    return account


@pytest.fixture
def test_secret(account):
    """A test-mode API key of `account` (its secret)."""
    return ApiKey.issue(account=account, livemode=False)[1]


@pytest.fixture
def live_secret(account):
    """A live-mode API key of `account` (its secret)."""
    return ApiKey.issue(account=account, livemode=True)[1]


@pytest.fixture
def analyst(account):
    return MembershipFactory(account=account, user=UserFactory(username="ana"), role=Membership.Role.ANALYST).user


@pytest.fixture
def admin_member(account):
    return MembershipFactory(account=account, user=UserFactory(username="adam"), role=Membership.Role.ADMIN).user
