"""The dashboard's Webhooks pages (account admins): add with the secret shown once, the delivery log, test, disable, delete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reporting.models import Door, Membership, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from reporting.services import Caller, webhooks
from tests.factories import MembershipFactory, ReportRunFactory, UserFactory
from tests.memory_broker import take
from tests.views.conftest import HX

pytestmark = pytest.mark.django_db

URL = reverse("reporting:webhooks")
POLLS = 'hx-trigger="every 2s"'


@pytest.fixture
def admin_client(client, admin_member):
    client.force_login(admin_member)
    return client


@pytest.fixture
def endpoint(account):
    endpoint, _ = webhooks.create_endpoint(
        Caller(account, False, Door.API), url="https://hooks.example.com/in", enabled_events=["*"]
    )
    return endpoint


def detail(endpoint):
    return reverse("reporting:webhook-detail", args=[endpoint.id])


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(admin_client):
    response = admin_client.post(
        URL,
        {
            "url": "https://erp.example.com/stripe",
            "enabled_events": ["reporting.report_run.succeeded"],
            "description": "ERP",
        },
    )
    again = admin_client.get(URL)

    endpoint = WebhookEndpoint.objects.get()
    page = response.content.decode()
    assert response.status_code == 200
    assert endpoint.secret in page
    assert "no-store" in response["Cache-Control"]
    assert endpoint.secret not in again.content.decode()
    assert "https://erp.example.com/stripe" in again.content.decode()
    assert (endpoint.enabled_events, endpoint.description) == (["reporting.report_run.succeeded"], "ERP")


def test_a_refused_url_is_a_form_error_and_saves_nothing(admin_client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False

    response = admin_client.post(URL, {"url": "http://127.0.0.1:6379/", "enabled_events": ["*"]})

    assert response.status_code == 400
    assert "private, loopback or link-local" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("role", [Membership.Role.VIEWER, Membership.Role.ANALYST])
def test_only_admins_see_and_change_webhooks(client, account, endpoint, role):
    user = UserFactory(username=f"{role}-user")
    MembershipFactory(user=user, account=account, role=role)
    client.force_login(user)

    pages = [client.get(URL), client.get(detail(endpoint))]
    posts = [
        client.post(URL, {"url": "https://x.example.com", "enabled_events": ["*"]}),
        client.post(reverse("reporting:webhook-test", args=[endpoint.id])),
        client.post(reverse("reporting:webhook-delete", args=[endpoint.id]), {"confirm": "yes"}),
    ]

    assert [r.status_code for r in pages + posts] == [403] * 5
    assert WebhookEndpoint.objects.count() == 1
    assert "Webhooks</a>" not in client.get(reverse("reporting:run-list")).content.decode()


def test_another_accounts_endpoint_is_404(admin_client):
    theirs = ReportRunFactory().account
    endpoint, _ = webhooks.create_endpoint(
        Caller(theirs, False, Door.API), url="https://hooks.example.com/in", enabled_events=["*"]
    )

    assert admin_client.get(detail(endpoint)).status_code == 404


def test_the_log_shows_each_delivery_with_its_attempts_and_polls_while_one_is_pending(admin_client, account, endpoint):
    run = ReportRunFactory(account=account)
    run.mark_failed("No data.")
    delivery = WebhookDelivery.objects.get()
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=1,
        started_at=delivery.created,
        duration_ms=231,
        status_code=500,
        response_body="upstream exploded",
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=1, last_status_code=500)

    page = admin_client.get(detail(endpoint)).content.decode()
    fragment = admin_client.get(detail(endpoint), headers=HX).content.decode()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="succeeded", next_attempt_at=None)
    done = admin_client.get(detail(endpoint), headers=HX).content.decode()

    assert delivery.event_id in page
    assert "HTTP 500" in page
    assert "in 231 ms" in page
    assert "upstream exploded" in page
    assert POLLS in page
    assert fragment.lstrip().startswith('<section id="delivery-log"')
    assert "<html" not in fragment
    assert POLLS not in done


def test_send_test_event_queues_a_delivery_to_this_endpoint(admin_client, endpoint, django_capture_on_commit_callbacks):
    take("reporting.tasks.deliver_webhook")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("reporting:webhook-test", args=[endpoint.id]))

    delivery = WebhookDelivery.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(endpoint)
    assert delivery.endpoint == endpoint
    assert delivery.event.test
    assert take("reporting.tasks.deliver_webhook") == [[delivery.pk]]
    assert delivery.event_id in admin_client.get(detail(endpoint)).content.decode()


def test_disable_then_enable(admin_client, endpoint):
    status = reverse("reporting:webhook-status", args=[endpoint.id])

    admin_client.post(status, {"disabled": "true"})
    disabled = WebhookEndpoint.objects.get().status
    admin_client.post(status, {"disabled": "false"})

    assert (disabled, WebhookEndpoint.objects.get().status) == ("disabled", "enabled")


def test_delete_asks_first_on_a_page_of_its_own(admin_client, endpoint):
    delete = reverse("reporting:webhook-delete", args=[endpoint.id])

    asked = admin_client.post(delete)
    assert WebhookEndpoint.objects.exists()
    confirmed = admin_client.post(delete, {"confirm": "yes"})

    assert asked.status_code == 200
    assert 'name="confirm" value="yes"' in asked.content.decode()
    assert confirmed.status_code == 302
    assert not WebhookEndpoint.objects.exists()
