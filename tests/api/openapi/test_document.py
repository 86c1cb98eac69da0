"""The document itself: valid OpenAPI 3.0.3, one path per route, objects exactly as api-objects.md (or Stripe) lists them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_spec_validator import validate as validate_spec

from reporting.api.openapi import schema
from reporting.api.urls import urlpatterns

from .conformance import DOCUMENT, conforms, resolve, validator_for

pytestmark = pytest.mark.django_db


def test_document_is_valid_openapi_3_0():
    document = schema()

    validate_spec(document)

    assert document["openapi"] == "3.0.3"


def test_document_is_served_without_a_key(anonymous):
    response = anonymous.get("/v1/openapi.json")

    conforms(response)
    assert response.json() == schema()


def test_every_route_is_documented_and_nothing_else():
    routes = {
        "/" + re.sub(r"<(?:\w+:)?\w+>", "{}", str(p.pattern))
        for p in urlpatterns
        if not str(p.pattern).startswith("^")  # the catch-all
    }

    documented = {re.sub(r"\{[^}]+\}", "{}", path) for path in DOCUMENT["paths"]}

    assert documented == routes


def test_operations_need_a_key_except_the_public_ones():
    public = {
        (path, method)
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
        if operation.get("security") == []
    }

    schemes = DOCUMENT["components"]["securitySchemes"]
    assert public == {("/links/{token}", "get"), ("/v1/openapi.json", "get")}
    assert DOCUMENT["security"] == [{"basicAuth": []}, {"bearerAuth": []}]
    assert (schemes["basicAuth"]["type"], schemes["basicAuth"]["scheme"]) == ("http", "basic")
    assert (schemes["bearerAuth"]["type"], schemes["bearerAuth"]["scheme"]) == ("http", "bearer")


# api-objects.md, section 1: field -> (type, nullable), and the required keys.
FACTS: dict[str, tuple[dict[str, tuple[str, bool]], set[str]]] = {
    "reporting.report_run": (
        {
            "id": ("string", False),
            "object": ("string", False),
            "created": ("integer", False),
            "error": ("string", True),
            "livemode": ("boolean", False),
            "parameters": ("reporting.report_run.parameters", False),
            "report_type": ("string", False),
            "result": ("file", True),
            "status": ("string", False),
            "succeeded_at": ("integer", True),
        },
        {"created", "id", "livemode", "object", "parameters", "report_type", "status"},
    ),
    "reporting.report_type": (
        {
            "id": ("string", False),
            "object": ("string", False),
            "data_available_start": ("integer", False),
            "data_available_end": ("integer", False),
            "default_columns": ("array", True),
            "livemode": ("boolean", False),
            "name": ("string", False),
            "updated": ("integer", False),
            "version": ("integer", False),
        },
        {
            "id",
            "object",
            "data_available_start",
            "data_available_end",
            "default_columns",
            "livemode",
            "name",
            "updated",
            "version",
        },
    ),
    "file": (
        {
            "id": ("string", False),
            "object": ("string", False),
            "created": ("integer", False),
            "expires_at": ("integer", True),
            "filename": ("string", True),
            "links": ("file.links", True),
            "purpose": ("string", False),
            "size": ("integer", False),
            "title": ("string", True),
            "type": ("string", True),
            "url": ("string", True),
        },
        {"created", "id", "object", "purpose", "size"},
    ),
    "file_link": (
        {
            "id": ("string", False),
            "object": ("string", False),
            "created": ("integer", False),
            "expired": ("boolean", False),
            "expires_at": ("integer", True),
            "file": ("string|file", False),
            "livemode": ("boolean", False),
            "metadata": ("object", False),
            "url": ("string", True),
        },
        {"created", "expired", "file", "id", "livemode", "metadata", "object"},
    ),
}


# Not in api-objects.md (the Reporting API's objects): Stripe's balance_transaction and payout (spec3,
# 2020-08-27), the fields the ledger fills. Left out, for the ledger does not know them: a payout's
# `balance_transaction`, `failure_code`, `failure_message`, `original_payout` and `reversed_by`.
# `trace_id` is newer than 2020-08-27 (its `status` is nullable here: not always known).
FACTS["balance_transaction"] = (
    {
        "id": ("string", False),
        "object": ("string", False),
        "amount": ("integer", False),
        "available_on": ("integer", False),
        "created": ("integer", False),
        "currency": ("string", False),
        "description": ("string", True),
        "exchange_rate": ("number", True),
        "fee": ("integer", False),
        "fee_details": ("array", False),
        "net": ("integer", False),
        "reporting_category": ("string", False),
        "source": (
            "string|balance_transaction.source.charge|balance_transaction.source.refund"
            "|balance_transaction.source.dispute|balance_transaction.source.transfer"
            "|balance_transaction.source.application_fee|payout|balance_transaction.source.other",
            True,
        ),
        "status": ("string", False),
        "type": ("string", False),
    },
    {
        "amount",
        "available_on",
        "created",
        "currency",
        "fee",
        "fee_details",
        "id",
        "net",
        "object",
        "reporting_category",
        "status",
        "type",
    },
)
FACTS["payout"] = (
    {
        "id": ("string", False),
        "object": ("string", False),
        "amount": ("integer", False),
        "arrival_date": ("integer", False),
        "automatic": ("boolean", False),
        "created": ("integer", False),
        "currency": ("string", False),
        "description": ("string", True),
        "destination": ("string", True),
        "failure_balance_transaction": ("string|balance_transaction", True),
        "livemode": ("boolean", False),
        "metadata": ("object", True),
        "method": ("string", False),
        "source_type": ("string", False),
        "statement_descriptor": ("string", True),
        "status": ("string", False),
        "trace_id": ("object", False),
        "type": ("string", False),
    },
    {
        "amount",
        "arrival_date",
        "automatic",
        "created",
        "currency",
        "id",
        "livemode",
        "method",
        "object",
        "source_type",
        "status",
        "type",
    },
)


# Stripe's event and webhook_endpoint (spec3, 2020-08-27), the fields these objects have here. Left
# out: an event's `account` (Connect only) and `context` (newer than 2020-08-27).
FACTS["event"] = (
    {
        "id": ("string", False),
        "object": ("string", False),
        "api_version": ("string", True),
        "created": ("integer", False),
        "data": ("notification_event_data", False),
        "livemode": ("boolean", False),
        "pending_webhooks": ("integer", False),
        "request": ("notification_event_request", True),
        "type": ("string", False),
    },
    {"created", "data", "id", "livemode", "object", "pending_webhooks", "request", "type"},
)
FACTS["webhook_endpoint"] = (
    {
        "id": ("string", False),
        "object": ("string", False),
        "api_version": ("string", True),
        "application": ("string", True),
        "created": ("integer", False),
        "description": ("string", True),
        "enabled_events": ("array", False),
        "livemode": ("boolean", False),
        "metadata": ("object", False),
        "secret": ("string", False),
        "status": ("string", False),
        "url": ("string", False),
    },
    {"created", "enabled_events", "id", "livemode", "metadata", "object", "status", "url"},
)


def type_of(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"].rsplit("/", 1)[1])
    if "anyOf" in prop:
        return "|".join(type_of(p) for p in prop["anyOf"])
    return str(prop["type"])


@pytest.mark.parametrize("name", sorted(FACTS))
def test_objects_are_exactly_as_stripe_lists_them(name):
    fields, required = FACTS[name]

    component = DOCUMENT["components"]["schemas"][name]

    described = {key: (type_of(prop), prop.get("nullable", False)) for key, prop in component["properties"].items()}
    assert described == fields
    assert set(component["required"]) == required
    assert component["additionalProperties"] is False
    assert component["properties"]["object"]["enum"] == [name]


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("reporting.report_run_list", "/v1/reporting/report_runs"),
        ("reporting.report_type_list", "/v1/reporting/report_types"),
        ("file_list", "/v1/files"),
        ("file_link_list", "/v1/file_links"),
        ("balance_transaction_list", "/v1/balance_transactions"),
        ("payout_list", "/v1/payouts"),
        ("event_list", "/v1/events"),
        ("webhook_endpoint_list", "/v1/webhook_endpoints"),
    ],
)
def test_list_envelopes_are_strict(name, url):
    envelope = DOCUMENT["components"]["schemas"][name]

    validator = validator_for({"$ref": f"#/components/schemas/{name}"})

    assert set(envelope["required"]) == {"object", "data", "has_more", "url"}
    assert envelope["properties"]["object"]["enum"] == ["list"]
    assert validator.is_valid({"object": "list", "data": [], "has_more": False, "url": url})
    assert not validator.is_valid({"object": "list", "data": [], "has_more": False, "url": f"http://testserver{url}"})
    assert not validator.is_valid({"object": "list", "data": [], "has_more": False, "url": url, "count": 0})


def test_error_statuses_use_the_error_envelope():
    statuses = {
        (path, method, status): resolve(response)["content"]
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
        if status != "200"
    }

    assert {content["application/json"]["schema"]["$ref"] for content in statuses.values()} == {
        "#/components/schemas/error"
    }
    assert {status for _, _, status in statuses} == {"400", "401", "404", "409", "429"}
    # Rate limits and a busy database: every operation but the document itself.
    assert {(path, method) for path, method, status in statuses if status == "429"} == {
        (path, method) for path, item in DOCUMENT["paths"].items() for method in item if path != "/v1/openapi.json"
    }
    assert {(path, method) for path, method, status in statuses if status == "409"} == {
        ("/v1/reporting/report_runs", "post"),
        ("/v1/file_links", "post"),
        ("/v1/file_links/{link}", "post"),
        ("/v1/webhook_endpoints", "post"),
        ("/v1/webhook_endpoints/{webhook_endpoint}", "post"),
    }
