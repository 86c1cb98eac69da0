"""Form bodies: one property per wire key, and the bodies of the operations that take one.

Form bodies (`application/x-www-form-urlencoded`) are described with *flattened* property names,
one property per wire key: `parameters[interval_start]`, `parameters[columns][]`, `expand[]`.
Stripe's own description nests them in an object and asks for `style: deepObject` encoding
instead, but OpenAPI defines deepObject only for query parameters, tools (schemathesis among them)
ignore `encoding` for request bodies and would send a nested object as one mangled field, and a
nested schema cannot say that `parameters[foo]` is unknown. With the bracket names spelled out,
any form encoder sends exactly Stripe's keys, `additionalProperties: false` refuses every other
name, and a plain JSON Schema validator checks them. Arrays are `key[]` and repeated
(`expand[]=a&expand[]=b`). Names that OpenAPI 3.0 cannot list, since it has no
`patternProperties`: the caller's `metadata[<key>]` and the indexed spelling the Python client
sends (`key[0]=a&key[1]=b`), are documented in an `x-patternProperties` extension.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reporting.categories import REPORTING_CATEGORIES
from reporting.unixtime import MAX_TIMESTAMP

from .schemas import Schema, report_parameters, string
from .webhook_schemas import ENABLED_EVENTS


@dataclass(frozen=True)
class Body:
    """A form body: its properties by wire key, and the keys OpenAPI 3.0 cannot list (`x-patternProperties`)."""

    properties: dict[str, Schema]
    required: tuple[str, ...] = ()
    patterns: dict[str, Schema] = field(default_factory=dict)
    description: str = ""

    def openapi(self, expand: tuple[str, ...] | None) -> Schema:
        """Describe the body as the document's requestBody, with `expand[]` when the operation expands."""
        properties, patterns = self.properties, self.patterns
        if expand is not None:
            properties = {**properties, **expand_body(list(expand))}
            patterns = {**patterns, **INDEXED_EXPAND}
        return form_body(
            properties, required=list(self.required), x_pattern_properties=patterns, description=self.description
        )


def form_body(
    properties: dict[str, Schema],
    *,
    required: list[str] | None = None,
    x_pattern_properties: dict[str, Schema] | None = None,
    description: str = "",
) -> Schema:
    schema: Schema = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    if x_pattern_properties:
        schema["x-patternProperties"] = x_pattern_properties
    if description:
        schema["description"] = description
    encoding = {
        name: {"style": "form", "explode": True} for name, prop in properties.items() if prop.get("type") == "array"
    }
    media: Schema = {"schema": schema}
    if encoding:
        media["encoding"] = encoding
    return {"required": bool(required), "content": {"application/x-www-form-urlencoded": media}}


def expand_body(paths: list[str]) -> dict[str, Schema]:
    return {
        "expand[]": {
            "type": "array",
            "items": {"type": "string", "maxLength": 5000, "enum": paths},
            "description": "Fields to expand: " + ", ".join(f"`{p}`" for p in paths) + ".",
        }
    }


# OpenAPI 3.0 has no `patternProperties`: keys chosen by the caller (`metadata[<key>]`) and the indexed
# spelling of arrays (`expand[0]`) are documented in `x-patternProperties`, the 3.1 keyword as an
# extension, while `additionalProperties: false` keeps every other name out of generated requests.
INDEXED_EXPAND = {"^expand\\[[0-9]+\\]$": {"type": "string", "maxLength": 5000}}
METADATA_PROPERTIES: dict[str, Schema] = {
    "metadata": {
        "type": "string",
        "enum": [""],
        "description": "An empty value unsets all keys; set single keys with `metadata[<key>]`.",
    }
}
# `metadata[<key>]=<value>`: keys up to 40 characters without brackets, values up to 500 (empty unsets).
METADATA_PATTERN = {"^metadata\\[[^\\[\\]]{1,40}\\]$": {"type": "string", "maxLength": 500}}
UNIX_PARAM: Schema = {"type": "integer", "minimum": 0, "maximum": MAX_TIMESTAMP}


# The bodies

# The `parameters[...]` of a run: those some registered report type accepts (each type
# refuses the ones it does not take, naming the parameter).
RUN_PARAMETERS = report_parameters(
    {
        "interval_start": {
            **UNIX_PARAM,
            "description": "Starting timestamp of data to be included (inclusive), not before `data_available_start`.",
        },
        "interval_end": {
            **UNIX_PARAM,
            "description": "Ending timestamp of data to be included (exclusive), not after `data_available_end`.",
        },
        "timezone": string("IANA time zone name for the timestamps in the file; default `Etc/UTC`."),
        "currency": string("Currency of objects to be included (ISO code)."),
        "reporting_category": {
            "type": "string",
            "enum": REPORTING_CATEGORIES,
            "description": "Category of balance transactions to be included.",
        },
        "payout": string("Payout ID by which to filter (only report types that take it)."),
        "decimal_separator": {
            "type": "string",
            "enum": [".", ","],
            "description": "The decimal mark of amounts in the file (only report types that take it).",
        },
        "columns": {
            "type": "array",
            "items": string(),
            "description": "The output columns, in order; omitted: the type's `default_columns`.",
        },
    }
)

REPORT_RUN_BODY = Body(
    {
        "report_type": string("The ID of the report type to run, such as `balance.summary.1`."),
        **{
            f"parameters[{name}]" + ("[]" if schema["type"] == "array" else ""): schema
            for name, schema in RUN_PARAMETERS.items()
        },
    },
    required=("report_type",),
    patterns={"^parameters\\[columns\\]\\[[0-9]+\\]$": string()} if "columns" in RUN_PARAMETERS else {},
    description="Which parameters a report type takes is listed in its documentation; others are refused.",
)

FILE_LINK_BODY = Body(
    {
        "file": string("The ID of the file (its purpose must allow links, as `finance_report_run` does)."),
        "expires_at": {**UNIX_PARAM, "description": "A future timestamp after which the link no longer works."},
        **METADATA_PROPERTIES,
    },
    required=("file",),
    patterns=METADATA_PATTERN,
)

FILE_LINK_UPDATE_BODY = Body(
    {
        "expires_at": {
            "anyOf": [UNIX_PARAM, {"type": "string", "enum": ["now", ""]}],
            "description": "A future timestamp, `now` to expire the link at once, or empty to never expire it.",
        },
        **METADATA_PROPERTIES,
    },
    patterns=METADATA_PATTERN,
)

# Webhook endpoints: `enabled_events[]` (or indexed), `url`, and what else Stripe takes.
ENABLED_EVENTS_PROPERTY: Schema = {
    "enabled_events[]": {
        "type": "array",
        "items": {"type": "string", "enum": ENABLED_EVENTS},
        "description": "The event types to send; `*` for every type.",
    }
}
ENABLED_EVENTS_PATTERN = {"^enabled_events\\[[0-9]+\\]$": {"type": "string", "enum": ENABLED_EVENTS}}
WEBHOOK_URL = string("The URL to send events to: http(s), of a host with public addresses only.", maxLength=2048)
WEBHOOK_DESCRIPTION = string("What the endpoint is for (empty unsets it).")

WEBHOOK_ENDPOINT_BODY = Body(
    {"url": WEBHOOK_URL, **ENABLED_EVENTS_PROPERTY, "description": WEBHOOK_DESCRIPTION, **METADATA_PROPERTIES},
    required=("url", "enabled_events[]"),
    patterns={**ENABLED_EVENTS_PATTERN, **METADATA_PATTERN},
    description="The answer holds the endpoint's signing `secret`, this once.",
)

WEBHOOK_ENDPOINT_UPDATE_BODY = Body(
    {
        "url": WEBHOOK_URL,
        **ENABLED_EVENTS_PROPERTY,
        "description": WEBHOOK_DESCRIPTION,
        "disabled": {"type": "boolean", "description": "Disable the endpoint (`true`) or enable it (`false`)."},
        **METADATA_PROPERTIES,
    },
    patterns={**ENABLED_EVENTS_PATTERN, **METADATA_PATTERN},
)
