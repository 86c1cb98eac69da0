"""The contract check itself: it fails when a serializer drifts from the document."""

from __future__ import annotations

from typing import Any

import pytest

from reporting.api import serializers

from .conformance import Exchange, conformance_errors

pytestmark = pytest.mark.django_db


def add_field(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "colour": "red"}


def drop_required(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "id"}


def drop_nullable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("expires_at", "succeeded_at", "default_columns")}


def mistype(data: dict[str, Any]) -> dict[str, Any]:
    name = "created" if "created" in data else "version"
    return {**data, name: str(data[name])}


def null_required(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "livemode": None} if "livemode" in data else {**data, "size": None}


@pytest.mark.parametrize("mutate", [add_field, drop_required, drop_nullable, mistype, null_required])
@pytest.mark.parametrize(
    ("serializer", "url"),
    [
        ("report_run_dict", "/v1/reporting/report_runs/{run}"),
        ("report_type_dict", "/v1/reporting/report_types/balance.summary.1"),
        ("file_dict", "/v1/files/{file}"),
        ("file_link_dict", "/v1/file_links/{link}"),
    ],
)
def test_contract_check_fails_when_a_serializer_drifts(api, world, monkeypatch, serializer, url, mutate):
    original = getattr(serializers, serializer)
    monkeypatch.setattr(serializers, serializer, lambda *a, **k: mutate(original(*a, **k)))
    path = url.format(run=world.succeeded.id, file=world.succeeded.result_id, link=world.link.id)

    exchange = Exchange.from_django(api.get(path))

    assert exchange.status == 200
    assert conformance_errors(exchange) != []


def test_contract_check_fails_when_a_nested_object_drifts(api, world, monkeypatch):
    original = serializers.file_link_dict
    monkeypatch.setattr(serializers, "file_link_dict", lambda *a, **k: add_field(original(*a, **k)))

    # The link is only nested here: inside the run's file, inside its links list.
    exchange = Exchange.from_django(api.get(f"/v1/reporting/report_runs/{world.succeeded.id}"))

    assert [e for e in conformance_errors(exchange) if e.startswith("result/links/data/0")] == [
        "result/links/data/0: Additional properties are not allowed ('colour' was unexpected)"
    ]
