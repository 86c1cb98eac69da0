"""API writes during a large import (issue 13's 200 POSTs during a 50 MB import, scaled down): never a 500.

A real server (pytest-django's live server, a thread per request), a real import
(`manage.py import_ledger` in its own process, on the same database) and
concurrent clients: on SQLite every one of them wants the database's single
write lock. Each POST either creates its run (200, and the run exists) or is
told to retry (429 `lock_timeout`), nothing else.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from reporting.models import ApiKey, DataWatermark, ReportRun
from tests.factories import AccountFactory, BalanceTransactionFactory

from .big import big_csv, start_import, wait_for_writing
from .conftest import at

pytestmark = pytest.mark.django_db(transaction=True)

POSTS, CLIENTS = 60, 10
BODY = b"report_type=balance.summary.1&parameters[interval_start]=1740787200&parameters[interval_end]=1743465600"


def post(url: str, secret: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=BODY, headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_api_posts_during_a_large_import_get_their_run_or_a_429_never_a_500(live_server, fresh, tmp_path):
    # The runs are requested in another account: the import's account is busy only with the import.
    other = AccountFactory(name="Other")
    BalanceTransactionFactory(account=other, created=at(3, 1))
    DataWatermark.advance(other, False, at(4, 1))
    secret = ApiKey.issue(account=other, livemode=False)[1]
    path = tmp_path / "big.csv"
    path.write_text(big_csv(20000))
    process = start_import(path, fresh.id)
    try:
        wait_for_writing(process)
        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(
                pool.map(lambda _: post(f"{live_server.url}/v1/reporting/report_runs", secret), range(POSTS))
            )
    finally:
        output = process.communicate(timeout=120)[0].decode()

    statuses = sorted({status for status, _ in answers})
    created = [body["id"] for status, body in answers if status == 200]
    refused = [body["error"]["code"] for status, body in answers if status == 429]
    assert set(statuses) <= {200, 429}, answers
    assert set(refused) <= {"lock_timeout"}
    assert ReportRun.objects.filter(pk__in=created).count() == len(created) == POSTS - len(refused)
    assert process.returncode == 0, output
    assert "20000 added" in output
