from __future__ import annotations

import base64

import pytest
from django.test import Client

from reporting.models import ApiKey
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

URL = "/v1/reporting/report_runs"


def test_missing_key_is_401_with_stripes_message(ledger):
    response = Client().get(URL)

    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("You did not provide an API key.")


def test_unknown_key_is_401_and_masked(ledger):
    response = ApiClient("sk_test_" + "x" * 44 + "abcd").get(URL)

    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert message.startswith("Invalid API Key provided: sk_test_")
    assert message.endswith("abcd")
    assert "xxxxx" not in message


def test_revoked_key_is_401(account, ledger):
    key, secret = ApiKey.issue(account=account, livemode=False)
    key.revoke()

    response = ApiClient(secret).get(URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "api_key_expired"


def test_basic_auth_with_key_as_user_name(test_secret, ledger):
    token = base64.b64encode(f"{test_secret}:".encode()).decode()

    response = Client(HTTP_AUTHORIZATION=f"Basic {token}").get(URL)

    assert response.status_code == 200


def test_malformed_authorization_is_401(ledger):
    response = Client(HTTP_AUTHORIZATION="Basic !!!").get(URL)

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", URL, 200),
        ("get", "/v1/reporting/report_runs/frr_nope", 404),
        ("get", "/v1/unknown/thing", 404),
        ("post", "/v1/reporting/report_runs", 400),
    ],
)
def test_every_response_has_a_request_id(api, method, path, status):
    response = getattr(api, method)(path)

    assert response.status_code == status
    assert response["Request-Id"].startswith("req_")


def test_request_id_on_401(ledger):
    assert Client().get(URL)["Request-Id"].startswith("req_")


def test_stripe_version_is_accepted_and_echoed(api):
    response = api.get(URL, headers={"Stripe-Version": "2026-10-28.endive"})

    assert response.status_code == 200
    assert response["Stripe-Version"] == "2026-10-28.endive"


@pytest.mark.parametrize(
    ("method", "path"), [("get", "/v1/nope"), ("delete", URL), ("put", "/v1/files"), ("post", "/v1/files")]
)
def test_unknown_path_or_method_is_unrecognized_url(api, method, path):
    response = getattr(api, method)(path)

    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith(f"Unrecognized request URL ({method.upper()}: {path})")


def test_key_touch_records_last_use(account, ledger):
    key, secret = ApiKey.issue(account=account, livemode=False)

    ApiClient(secret).get(URL)

    key.refresh_from_db()
    assert key.last_used_at is not None
