"""The /healthz probe: ok, or 503 naming the database, broker or report storage that is down."""

from __future__ import annotations

from unittest import mock

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "storage": "ok"}


def test_healthz_503_when_broker_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert response.json()["database"] == "ok"


def test_healthz_503_when_database_unreachable(client):
    with mock.patch("reporting.views.health._ping_database", side_effect=OSError("down")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "error: OSError"
