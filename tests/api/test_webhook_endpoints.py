"""/v1/webhook_endpoints: the secret shown once, URLs that may be sent to, Stripe's errors, each key's own endpoints."""

from __future__ import annotations

import pytest

from reporting.models import Event, IdempotencyKey, WebhookEndpoint
from reporting.services import webhooks
from tests.api.openapi.conformance import conforms, error_of
from tests.api.openapi.conftest import ENDPOINT

pytestmark = pytest.mark.django_db


def create(api, **overrides):
    return api.post("/v1/webhook_endpoints", {**ENDPOINT, **overrides})


def test_create_shows_the_secret_once(api):
    created = conforms(create(api, description="Finance ERP")).json

    listed = conforms(api.get("/v1/webhook_endpoints")).json["data"]
    retrieved = conforms(api.get(f"/v1/webhook_endpoints/{created['id']}")).json

    assert created["secret"].startswith("whsec_")
    assert created["status"] == "enabled"
    assert created["enabled_events"] == ["*"]
    assert created["description"] == "Finance ERP"
    assert "secret" not in retrieved
    assert [e["id"] for e in listed] == [created["id"]]
    assert "secret" not in listed[0]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == created["secret"]
    assert created["secret"] not in endpoint.encrypted_secret
    assert Event.objects.filter(action="webhook_endpoint.created", object_id=endpoint.id).exists()


def test_an_idempotent_replay_gives_the_secret_again_but_stores_it_encrypted(api):
    first = api.post("/v1/webhook_endpoints", ENDPOINT, HTTP_IDEMPOTENCY_KEY="hook-1")
    again = api.post("/v1/webhook_endpoints", ENDPOINT, HTTP_IDEMPOTENCY_KEY="hook-1")

    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert WebhookEndpoint.objects.count() == 1
    assert first.json()["secret"] not in IdempotencyKey.objects.get().response_body


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"url": "ftp://example.com/in"}, "url"),
        ({"url": "https://user:pw@example.com/in"}, "url"),
        ({"url": "https://exa mple.com/in"}, "url"),
        ({"url": "https:///in"}, "url"),
        ({"enabled_events[]": ["charge.succeeded"]}, "enabled_events[0]"),
        ({"enabled_events[]": ["*", "reporting.report_run.done"]}, "enabled_events[1]"),
    ],
)
def test_bad_input_is_refused_and_saves_nothing(api, overrides, param):
    response = create(api, **overrides)

    assert error_of(response, 400)["param"] == param
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("missing", ["url", "enabled_events[]"])
def test_required_params(api, missing):
    response = api.post("/v1/webhook_endpoints", {k: v for k, v in ENDPOINT.items() if k != missing})

    error = error_of(response, 400)
    assert (error["code"], error["param"]) == ("parameter_missing", missing.removesuffix("[]"))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/hook",
        "http://[::ffff:192.168.0.1]/hook",
    ],
)
def test_private_addresses_are_refused_unless_allowed(api, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False

    response = create(api, url=url)

    error = error_of(response, 400)
    assert (error["param"], error["code"]) == ("url", "url_invalid")
    assert "private, loopback or link-local" in error["message"]


def test_a_public_address_is_taken_when_private_ones_are_refused(api, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False

    response = create(api, url="https://93.184.216.34/hook")

    assert conforms(response).status == 200


def test_update_and_delete(api):
    created = create(api).json()
    url = f"/v1/webhook_endpoints/{created['id']}"

    updated = api.post(
        url,
        {
            "disabled": "true",
            "enabled_events[0]": "reporting.report_run.failed",
            "description": "ERP",
            "metadata[team]": "finance",
        },
    )
    cleared = api.post(url, {"description": ""})
    deleted = api.delete(url)

    assert conforms(updated).json["status"] == "disabled"
    assert updated.json()["enabled_events"] == ["reporting.report_run.failed"]
    assert updated.json()["metadata"] == {"team": "finance"}
    assert "secret" not in updated.json()
    assert conforms(cleared).json["description"] is None
    assert conforms(deleted).json == {"id": created["id"], "object": "webhook_endpoint", "deleted": True}
    assert error_of(api.get(url), 404)["code"] == "resource_missing"


def test_a_bad_update_changes_nothing(api):
    created = create(api).json()
    url = f"/v1/webhook_endpoints/{created['id']}"

    bad_url = api.post(url, {"url": "gopher://example.com", "description": "new"})
    bad_flag = api.post(url, {"disabled": "maybe"})

    assert error_of(bad_url, 400)["param"] == "url"
    assert error_of(bad_flag, 400)["param"] == "disabled"
    assert conforms(api.get(url)).json == {k: v for k, v in created.items() if k != "secret"}


def test_a_key_sees_its_own_accounts_mode_only(api, live_api):
    created = create(api).json()

    assert error_of(live_api.get(f"/v1/webhook_endpoints/{created['id']}"), 404)["param"] == "id"
    assert error_of(live_api.delete(f"/v1/webhook_endpoints/{created['id']}"), 404)["param"] == "id"
    assert conforms(live_api.get("/v1/webhook_endpoints")).json["data"] == []
    assert WebhookEndpoint.objects.count() == 1


def test_an_account_has_at_most_sixteen_per_mode(api):
    for i in range(webhooks.MAX_ENDPOINTS):
        create(api, url=f"https://hooks.example.com/{i}")

    response = create(api)

    assert "at most 16" in error_of(response, 400)["message"]
    assert WebhookEndpoint.objects.count() == webhooks.MAX_ENDPOINTS
