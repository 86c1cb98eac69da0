"""Checking an answer against the document: status documented, content type, Request-Id, a body valid for it."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema

from reporting.api.ledger_schemas import CARD_TITLE
from reporting.api.openapi import schema

DOCUMENT = schema()


# Objects that echo only some of their keys (a card's `wallet` only when the ledger knows whether Link
# paid, an update event's previous values only of the fields that changed); every other object emits
# every key it declares, but for these few, each in one answer only.
SOME_KEYS = {
    "reporting.report_run.parameters",
    "api_errors",
    CARD_TITLE,
    "notification_event_data.previous_attributes",
}
OPTIONAL_KEYS = {
    "webhook_endpoint": {"secret"},  # in the answer that created it
    "notification_event_data": {"previous_attributes"},  # in `*.updated` events
}


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema (draft 4), stricter in one way.

    `nullable: true` becomes `anyOf: [..., {"type": "null"}]`, and an object that refuses unknown keys
    must also carry every key it declares (our serializers always emit them, `null` when unset), so a
    dropped optional field fails as surely as an added or mistyped one.
    """
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {
        key: ({name: to_json_schema(s) for name, s in value.items()} if key == "properties" else to_json_schema(value))
        for key, value in node.items()
        if key != "nullable" and not key.startswith("x-")
    }
    if node.get("additionalProperties") is False and "properties" in node and node.get("title") not in SOME_KEYS:
        converted["required"] = sorted(set(node["properties"]) - OPTIONAL_KEYS.get(node.get("title", ""), set()))
    if node.get("nullable"):
        converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


SCHEMAS = to_json_schema(DOCUMENT["components"]["schemas"])


def validator_for(content_schema: dict[str, Any]) -> jsonschema.Draft4Validator:
    return _validator(json.dumps(content_schema, sort_keys=True))


@functools.cache
def _validator(content_schema: str) -> jsonschema.Draft4Validator:
    # The components ride along beside the $ref so "#/components/schemas/..." resolves.
    return jsonschema.Draft4Validator(
        {**to_json_schema(json.loads(content_schema)), "components": {"schemas": SCHEMAS}}
    )


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, section, name = node["$ref"].split("/")
        node = DOCUMENT["components"][section][name]
    return node


def template_for(path: str) -> str | None:
    for template in DOCUMENT["paths"]:
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return template
    return None


@dataclass
class Exchange:
    """One request and its answer, from the Django test client or from schemathesis."""

    method: str
    path: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    sent: str = ""

    @classmethod
    def from_django(cls, response: Any) -> Exchange:
        request = response.request
        body = b"".join(response.streaming_content) if response.streaming else response.content
        query = request.get("QUERY_STRING", "")
        return cls(
            method=request["REQUEST_METHOD"],
            path=request["PATH_INFO"],
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=body,
            sent=f"{request['REQUEST_METHOD']} {request['PATH_INFO']}{'?' + query if query else ''}",
        )

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def conformance_errors(exchange: Exchange) -> list[str]:
    """Everything about an answer that the document does not allow."""
    template = template_for(exchange.path)
    if template is None:
        return [f"{exchange.path} is not a documented path"]
    operation = DOCUMENT["paths"][template].get(exchange.method.lower())
    if operation is None:
        return [f"{exchange.method} {template} is not a documented operation"]
    if exchange.status >= 500:
        return [f"server error {exchange.status}: {exchange.body[:500]!r}"]
    spec = operation["responses"].get(str(exchange.status))
    if spec is None:
        return [f"status {exchange.status} is not documented for {exchange.method} {template}"]
    spec = resolve(spec)
    errors = []
    for name, header in spec.get("headers", {}).items():
        header = resolve(header)
        value = exchange.headers.get(name.lower())
        if value is None:
            if header.get("required"):
                errors.append(f"missing header {name}")
        elif not re.search(header["schema"]["pattern"], value):
            errors.append(f"header {name}={value!r} does not match {header['schema']['pattern']}")
    content_type = exchange.headers.get("content-type", "").split(";")[0].strip()
    if content_type not in spec["content"]:
        return [*errors, f"content type {content_type!r} is not one of {sorted(spec['content'])}"]
    if content_type == "application/json":
        try:
            body = exchange.json
        except ValueError as error:
            return [*errors, f"invalid JSON: {error}"]
        validator = validator_for(spec["content"][content_type]["schema"])
        for error in validator.iter_errors(body):
            error = jsonschema.exceptions.best_match([error])  # into anyOf: the branch that came closest
            errors.append(f"{'/'.join(map(str, error.absolute_path)) or '<body>'}: {error.message}")
    return errors


def conforms(response: Any) -> Exchange:
    """Assert a Django test client response matches the document; return it for further checks."""
    exchange = Exchange.from_django(response)
    assert conformance_errors(exchange) == [], exchange.sent
    return exchange


def error_of(response: Any, status: int) -> dict[str, Any]:
    exchange = conforms(response)
    assert exchange.status == status, exchange.body
    return exchange.json["error"]
