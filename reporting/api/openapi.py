"""The OpenAPI 3.0.3 description of the API, served at /v1/openapi.json.

Written by hand from Stripe's own description of the same objects (spec3, 2020-08-27) and kept
strict where Stripe is: every object lists its `required` keys and `nullable` fields exactly,
refuses unknown keys (`additionalProperties: false`) and pins its `object` value with an `enum`.

Nullable references follow Stripe's spelling, `{"anyOf": [{"$ref": ...}], "nullable": true}`:
OpenAPI 3.0 ignores keys beside a bare `$ref`, so `nullable` needs the `anyOf` to sit on.

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

Query strings use the same keys: `expand[]` (repeated), and `created` as Stripe describes it, an
integer or a `gt`/`gte`/`lt`/`lte` object in `deepObject` style (`created[gte]=1700000000`).
"""

from __future__ import annotations

import copy
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase

from reporting.categories import REPORTING_CATEGORIES
from reporting.unixtime import MAX_TIMESTAMP

from .auth import api_view

Schema = dict[str, Any]

API_VERSION = "2020-08-27"

# File purposes: Stripe's 2020-08-27 enum plus the values added by 2026 (the enum bypasses
# validation in Stripe's clients, so a longer list breaks nobody). Reports use finance_report_run.
FILE_PURPOSES = [
    "account_requirement",
    "additional_verification",
    "business_icon",
    "business_logo",
    "customer_signature",
    "dispute_evidence",
    "document_provider_identity_document",
    "finance_report_run",
    "financial_account_statement",
    "identity_document",
    "identity_document_downloadable",
    "issuing_regulatory_reporting",
    "pci_document",
    "platform_terms_of_service",
    "selfie",
    "sigma_scheduled_query",
    "tax_document_user_upload",
    "terminal_android_apk",
    "terminal_reader_splashscreen",
    "terminal_wifi_certificate",
    "terminal_wifi_private_key",
]
ERROR_TYPES = ["api_error", "card_error", "idempotency_error", "invalid_request_error"]


# Building blocks


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable_ref(name: str, description: str) -> Schema:
    return {"anyOf": [ref(name)], "nullable": True, "description": description}


def string(description: str = "", **extra: Any) -> Schema:
    schema: Schema = {"type": "string", "maxLength": 5000, **extra}
    return {**schema, "description": description} if description else schema


def timestamp(description: str, **extra: Any) -> Schema:
    return {"type": "integer", "format": "unix-time", "description": description, **extra}


def boolean(description: str) -> Schema:
    return {"type": "boolean", "description": description}


def object_name(name: str) -> Schema:
    return {
        "type": "string",
        "enum": [name],
        "description": "String representing the object's type. Objects of the same type share the same value.",
    }


def object_id(prefix: str) -> Schema:
    return string("Unique identifier for the object.", pattern=f"^{prefix}[A-Za-z0-9]+$")


def list_of(item: str, url_pattern: str, description: str) -> Schema:
    """Stripe's list envelope: newest first, `url` the path to page on."""
    return {
        "title": f"{item} list",
        "description": description,
        "type": "object",
        "required": ["data", "has_more", "object", "url"],
        "additionalProperties": False,
        "properties": {
            "object": {
                "type": "string",
                "enum": ["list"],
                "description": "String representing the object's type. Always `list`.",
            },
            "data": {"type": "array", "items": ref(item), "description": "The page of objects, newest first."},
            "has_more": boolean("True if more objects lie beyond this page in the paging direction."),
            "url": string("The URL where this list can be accessed.", pattern=url_pattern),
        },
    }


# Component schemas: the objects, exactly as serializers.py shapes them


REPORT_RUN_PARAMETERS: Schema = {
    "title": "reporting.report_run.parameters",
    "description": "The parameters the run used: only the keys that were supplied are echoed.",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "columns": {
            "type": "array",
            "items": string(),
            "description": "The set of output columns requested for inclusion in the report run.",
        },
        "connected_account": string("Connected account ID by which to filter the report run."),
        "currency": string("Currency of objects to be included in the report run."),
        "decimal_separator": {
            "type": "string",
            "enum": [".", ","],
            "description": "The decimal mark of amounts in the file (Stripe's docs; not in its OpenAPI schema).",
        },
        "interval_start": timestamp("Starting timestamp of data to be included in the report run (inclusive)."),
        "interval_end": timestamp("Ending timestamp of data to be included in the report run (exclusive)."),
        "payout": string("Payout ID by which to filter the report run."),
        "reporting_category": string("Category of balance transactions to be included in the report run."),
        "timezone": string("Defaults to `Etc/UTC`. The output timezone for all timestamps in the report."),
    },
}

REPORT_RUN: Schema = {
    "title": "reporting.report_run",
    "description": "A request to generate a report; its `result` file appears once it has succeeded.",
    "type": "object",
    "required": ["created", "id", "livemode", "object", "parameters", "report_type", "status"],
    "additionalProperties": False,
    "properties": {
        "id": object_id("frr_"),
        "object": object_name("reporting.report_run"),
        "created": timestamp("Time at which the object was created. Measured in seconds since the Unix epoch."),
        "error": string(
            "If something should go wrong during the run, a message about the failure (populated when `status=failed`).",
            nullable=True,
        ),
        "livemode": boolean(
            "`true` if the report is run on live mode data and `false` if it is run on test mode data."
        ),
        "parameters": ref("reporting.report_run.parameters"),
        "report_type": string("The ID of the report type to run, such as `balance.summary.1`."),
        "result": nullable_ref(
            "file", "The file object representing the result of the report run (populated when `status=succeeded`)."
        ),
        "status": string(
            "Status of this report run: `pending` when created, then `succeeded` or `failed`. "
            "Typed as a plain string in Stripe's description, so no enum here either."
        ),
        "succeeded_at": timestamp(
            "Timestamp at which this run successfully finished (populated when `status=succeeded`).", nullable=True
        ),
    },
}

REPORT_TYPE: Schema = {
    "title": "reporting.report_type",
    "description": "A kind of report, with the window of data it can currently cover.",
    "type": "object",
    "required": [
        "data_available_end",
        "data_available_start",
        "default_columns",
        "id",
        "livemode",
        "name",
        "object",
        "updated",
        "version",
    ],
    "additionalProperties": False,
    "properties": {
        "id": string("The ID of the report type, such as `balance.summary.1`."),
        "object": object_name("reporting.report_type"),
        "data_available_end": timestamp("Most recent time for which this report type is available."),
        "data_available_start": timestamp("Earliest time for which this report type is available."),
        "default_columns": {
            "type": "array",
            "items": string(),
            "nullable": True,
            "description": "List of column names included by default; `null` if the type takes no `columns`.",
        },
        "livemode": boolean("`true` for live-mode data, `false` for test-mode data."),
        "name": string("Human-readable name of the report type."),
        "updated": timestamp("When this report type was latest updated."),
        "version": {"type": "integer", "description": "Version of the report type (the trailing `.N` of its id)."},
    },
}

FILE: Schema = {
    "title": "file",
    "description": "A file hosted by the service; report runs produce one (purpose `finance_report_run`).",
    "type": "object",
    "required": ["created", "id", "object", "purpose", "size"],
    "additionalProperties": False,
    "properties": {
        "id": object_id("file_"),
        "object": object_name("file"),
        "created": timestamp("Time at which the object was created. Measured in seconds since the Unix epoch."),
        "expires_at": timestamp("The file expires and isn't available at this time.", nullable=True),
        "filename": string("The suitable name for saving the file to a filesystem.", nullable=True),
        "links": nullable_ref("file.links", "A list of file links that point at this file."),
        "purpose": {
            "type": "string",
            "enum": FILE_PURPOSES,
            "description": "The purpose of the uploaded file.",
        },
        "size": {"type": "integer", "description": "The size of the file object in bytes."},
        "title": string("A suitable title for the document.", nullable=True),
        "type": string("The returned file type (for example, `csv`, `pdf`, `jpg`, or `png`).", nullable=True),
        "url": string(
            "Use your secret API key to download the file contents from this URL (`/v1/files/{file}/contents`).",
            nullable=True,
        ),
    },
}

FILE_LINK: Schema = {
    "title": "file_link",
    "description": "A shareable, unauthenticated URL for a file.",
    "type": "object",
    "required": ["created", "expired", "file", "id", "livemode", "metadata", "object"],
    "additionalProperties": False,
    "properties": {
        "id": object_id("link_"),
        "object": object_name("file_link"),
        "created": timestamp("Time at which the object was created. Measured in seconds since the Unix epoch."),
        "expired": boolean("Returns if the link is already expired."),
        "expires_at": timestamp("Time that the link expires (`null`: never).", nullable=True),
        "file": {
            "anyOf": [string(), ref("file")],
            "description": "The file object this link points to: its id, or the object with `expand[]=file`.",
            "x-expansionResources": {"oneOf": [ref("file")]},
        },
        "livemode": boolean("`true` for live-mode objects, `false` for test-mode objects."),
        "metadata": {
            "type": "object",
            "additionalProperties": {"type": "string", "maxLength": 500},
            "description": "Set of key-value pairs attached to the object (`{}` when empty).",
        },
        "url": string("The publicly accessible URL to download the file; `null` once expired.", nullable=True),
    },
}

ERROR_DETAIL: Schema = {
    "title": "api_errors",
    "description": "What went wrong. Only `type` is always present; clients read `type`, `code`, `param`, `message`.",
    "type": "object",
    "required": ["type"],
    "additionalProperties": False,
    "properties": {
        "type": {"type": "string", "enum": ERROR_TYPES, "description": "The type of error returned."},
        "message": {"type": "string", "maxLength": 40000, "description": "A human-readable message."},
        "code": string("A short machine-readable code, such as `resource_missing` or `parameter_unknown`."),
        "param": string("The parameter the error relates to, as a bracket path (`parameters[interval_start]`)."),
        "doc_url": string(
            "A URL to more information about the error code.",
            pattern="^https://stripe\\.com/docs/error-codes/[a-z0-9-]+$",
        ),
        "request_log_url": string("A URL to the request log entry."),
    },
}

ERROR: Schema = {
    "title": "error",
    "description": "The body of every error response.",
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {"error": ref("api_errors")},
}

SCHEMAS: dict[str, Schema] = {
    "reporting.report_run": REPORT_RUN,
    "reporting.report_run.parameters": REPORT_RUN_PARAMETERS,
    "reporting.report_run_list": list_of(
        "reporting.report_run", "^/v1/reporting/report_runs$", "A page of report runs, newest first."
    ),
    "reporting.report_type": REPORT_TYPE,
    "reporting.report_type_list": list_of(
        "reporting.report_type", "^/v1/reporting/report_types$", "Every report type, in one page."
    ),
    "file": FILE,
    "file_list": list_of("file", "^/v1/files$", "A page of files, newest first."),
    "file.links": list_of(
        "file_link", "^/v1/file_links\\?file=file_[A-Za-z0-9]+$", "The newest links to a file (at most ten)."
    ),
    "file_link": FILE_LINK,
    "file_link_list": list_of("file_link", "^/v1/file_links$", "A page of file links, newest first."),
    "error": ERROR,
    "api_errors": ERROR_DETAIL,
}


# Parameters


def expand_param(paths: list[str]) -> Schema:
    items: Schema = {"type": "string", "maxLength": 5000}
    if paths:
        description = "Fields to expand: " + ", ".join(f"`{p}`" for p in paths) + "."
        items["enum"] = paths
        schema: Schema = {"type": "array", "items": items}
    else:
        description = "Nothing on this object is expandable: any path is refused with a 400."
        schema = {"type": "array", "items": items, "maxItems": 0}
    return {
        "name": "expand[]",
        "in": "query",
        "required": False,
        "description": description + " Repeat the key for several (`expand[]=a&expand[]=b`).",
        "style": "form",
        "explode": True,
        "schema": schema,
    }


def path_param(name: str, description: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": string()}


def query_param(name: str, description: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


PARAMETERS: dict[str, Schema] = {
    "limit": query_param(
        "limit",
        "A limit on the number of objects to be returned, between 1 and 100 (default 10).",
        {"type": "integer", "minimum": 1, "maximum": 100},
    ),
    "starting_after": query_param(
        "starting_after",
        "A cursor: an object id; the page holds the objects after (older than) it.",
        string(),
    ),
    "ending_before": query_param(
        "ending_before",
        "A cursor: an object id; the page holds the objects before (newer than) it. Exclusive with `starting_after`.",
        string(),
    ),
    "created": {
        "name": "created",
        "in": "query",
        "required": False,
        "description": "Only objects created at this Unix second (`created=T`), or in a range (`created[gte]=T`).",
        "style": "deepObject",
        "explode": True,
        "schema": {
            "anyOf": [
                {
                    "title": "range_query_specs",
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        op: {"type": "integer", "minimum": 0, "maximum": MAX_TIMESTAMP}
                        for op in ("gt", "gte", "lt", "lte")
                    },
                },
                {"type": "integer", "minimum": 0, "maximum": MAX_TIMESTAMP},
            ]
        },
    },
    "Idempotency-Key": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Replays the first response to a repeat of this request for 24 hours; "
        "the same key with other parameters is a 400 `idempotency_error`, a concurrent twin a 409.",
        "schema": {"type": "string", "maxLength": 255},
    },
}


def param(name: str) -> Schema:
    return {"$ref": f"#/components/parameters/{name}"}


PAGE_PARAMS = [param("created"), param("ending_before"), param("limit"), param("starting_after")]


# Request bodies


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

CREATE_REPORT_RUN = form_body(
    {
        "report_type": string("The ID of the report type to run, such as `balance.summary.1`."),
        "parameters[interval_start]": {
            **UNIX_PARAM,
            "description": "Starting timestamp of data to be included (inclusive), not before `data_available_start`.",
        },
        "parameters[interval_end]": {
            **UNIX_PARAM,
            "description": "Ending timestamp of data to be included (exclusive), not after `data_available_end`.",
        },
        "parameters[timezone]": string("IANA time zone name for the timestamps in the file; default `Etc/UTC`."),
        "parameters[currency]": string("Currency of objects to be included (ISO code)."),
        "parameters[reporting_category]": {
            "type": "string",
            "enum": REPORTING_CATEGORIES,
            "description": "Category of balance transactions to be included.",
        },
        "parameters[payout]": string("Payout ID by which to filter (only report types that take it)."),
        "parameters[decimal_separator]": {
            "type": "string",
            "enum": [".", ","],
            "description": "The decimal mark of amounts in the file (only report types that take it).",
        },
        "parameters[connected_account]": string("Connected account ID (only report types that take it)."),
        "parameters[columns][]": {
            "type": "array",
            "items": string(),
            "description": "The output columns, in order; omitted: the type's `default_columns`.",
        },
        **expand_body(["parameters", "result", "result.links"]),
    },
    required=["report_type"],
    x_pattern_properties={"^parameters\\[columns\\]\\[[0-9]+\\]$": string(), **INDEXED_EXPAND},
    description="Which parameters a report type takes is listed in its documentation; others are refused.",
)

CREATE_FILE_LINK = form_body(
    {
        "file": string("The ID of the file (its purpose must allow links, as `finance_report_run` does)."),
        "expires_at": {**UNIX_PARAM, "description": "A future timestamp after which the link no longer works."},
        **METADATA_PROPERTIES,
        **expand_body(["file", "file.links"]),
    },
    required=["file"],
    x_pattern_properties={**METADATA_PATTERN, **INDEXED_EXPAND},
)

UPDATE_FILE_LINK = form_body(
    {
        "expires_at": {
            "anyOf": [UNIX_PARAM, {"type": "string", "enum": ["now", ""]}],
            "description": "A future timestamp, `now` to expire the link at once, or empty to never expire it.",
        },
        **METADATA_PROPERTIES,
        **expand_body(["file", "file.links"]),
    },
    x_pattern_properties={**METADATA_PATTERN, **INDEXED_EXPAND},
)


# Responses


def response_ref(name: str) -> Schema:
    return {"$ref": f"#/components/responses/{name}"}


def json_ok(schema: str, description: str) -> Schema:
    return {
        "description": description,
        "headers": {"Request-Id": {"$ref": "#/components/headers/Request-Id"}},
        "content": {"application/json": {"schema": ref(schema)}},
    }


def error_response(description: str) -> Schema:
    return {
        "description": description,
        "headers": {"Request-Id": {"$ref": "#/components/headers/Request-Id"}},
        "content": {"application/json": {"schema": ref("error")}},
    }


RESPONSES: dict[str, Schema] = {
    "BadRequest": error_response(
        "Invalid request: a missing, unknown or invalid parameter (`invalid_request_error`), "
        "or an Idempotency-Key reused with other parameters (`idempotency_error`)."
    ),
    "Unauthorized": error_response("No valid API key was provided."),
    "NotFound": error_response("The object does not exist (`resource_missing`, `param` names the id)."),
    "Conflict": error_response("Another request with the same Idempotency-Key is still in flight."),
}

JSON_ERRORS = {"400": response_ref("BadRequest"), "401": response_ref("Unauthorized"), "404": response_ref("NotFound")}
POST_ERRORS = {**JSON_ERRORS, "409": response_ref("Conflict")}

CSV_OK: Schema = {
    "description": "The file's bytes: CSV text with a header row.",
    "headers": {"Request-Id": {"$ref": "#/components/headers/Request-Id"}},
    "content": {"text/csv": {"schema": {"type": "string"}}},
}


# Paths


def operation(
    operation_id: str,
    summary: str,
    tag: str,
    responses: dict[str, Schema],
    *,
    parameters: list[Schema] | None = None,
    body: Schema | None = None,
    security: list[Schema] | None = None,
    description: str = "",
) -> Schema:
    op: Schema = {"operationId": operation_id, "summary": summary, "tags": [tag]}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if body:
        op["requestBody"] = body
    if security is not None:
        op["security"] = security
    op["responses"] = responses
    return op


REPORT_RUN_ID = path_param("report_run", "The id of a report run (`frr_…`).")
REPORT_TYPE_ID = path_param("report_type", "The id of a report type, such as `balance.summary.1`.")
FILE_ID = path_param("file", "The id of a file (`file_…`).")
LINK_ID = path_param("link", "The id of a file link (`link_…`).")

PATHS: dict[str, Schema] = {
    "/v1/reporting/report_runs": {
        "get": operation(
            "GetReportingReportRuns",
            "List report runs, newest first.",
            "Report runs",
            {"200": json_ok("reporting.report_run_list", "A page of report runs."), **JSON_ERRORS},
            parameters=[*PAGE_PARAMS, expand_param(["data.parameters", "data.result", "data.result.links"])],
        ),
        "post": operation(
            "PostReportingReportRuns",
            "Create a report run.",
            "Report runs",
            {"200": json_ok("reporting.report_run", "The new run, `pending`."), **POST_ERRORS},
            parameters=[param("Idempotency-Key")],
            body=CREATE_REPORT_RUN,
            description="The run is generated asynchronously: poll it, or wait for its webhook event.",
        ),
    },
    "/v1/reporting/report_runs/{report_run}": {
        "get": operation(
            "GetReportingReportRunsReportRun",
            "Retrieve a report run.",
            "Report runs",
            {"200": json_ok("reporting.report_run", "The report run."), **JSON_ERRORS},
            parameters=[REPORT_RUN_ID, expand_param(["parameters", "result", "result.links"])],
        ),
    },
    "/v1/reporting/report_types": {
        "get": operation(
            "GetReportingReportTypes",
            "List every report type, in one page.",
            "Report types",
            {"200": json_ok("reporting.report_type_list", "Every report type available to this key."), **JSON_ERRORS},
            parameters=[expand_param([])],
        ),
    },
    "/v1/reporting/report_types/{report_type}": {
        "get": operation(
            "GetReportingReportTypesReportType",
            "Retrieve a report type.",
            "Report types",
            {"200": json_ok("reporting.report_type", "The report type."), **JSON_ERRORS},
            parameters=[REPORT_TYPE_ID, expand_param([])],
            description="Live-mode-only report types answer a test-mode key with a 400.",
        ),
    },
    "/v1/files": {
        "get": operation(
            "GetFiles",
            "List files, newest first.",
            "Files",
            {"200": json_ok("file_list", "A page of files."), **JSON_ERRORS},
            parameters=[
                *PAGE_PARAMS,
                query_param(
                    "purpose",
                    "Only files with this purpose.",
                    {"type": "string", "enum": FILE_PURPOSES},
                ),
                expand_param(["data.links"]),
            ],
        ),
    },
    "/v1/files/{file}": {
        "get": operation(
            "GetFilesFile",
            "Retrieve a file.",
            "Files",
            {"200": json_ok("file", "The file."), **JSON_ERRORS},
            parameters=[FILE_ID, expand_param(["links"])],
        ),
    },
    "/v1/files/{file}/contents": {
        "get": operation(
            "GetFilesFileContents",
            "Download a file's contents.",
            "Files",
            {"200": CSV_OK, **JSON_ERRORS},
            parameters=[FILE_ID],
            description="The value of `file.url`. An expired file answers 404.",
        ),
    },
    "/v1/file_links": {
        "get": operation(
            "GetFileLinks",
            "List file links, newest first.",
            "File links",
            {"200": json_ok("file_link_list", "A page of file links."), **JSON_ERRORS},
            parameters=[
                *PAGE_PARAMS,
                query_param("expired", "Only expired links (`true`) or only live ones (`false`).", {"type": "boolean"}),
                query_param("file", "Only links to this file id.", string()),
                expand_param(["data.file", "data.file.links"]),
            ],
        ),
        "post": operation(
            "PostFileLinks",
            "Create a file link.",
            "File links",
            {"200": json_ok("file_link", "The new link."), **POST_ERRORS},
            parameters=[param("Idempotency-Key")],
            body=CREATE_FILE_LINK,
        ),
    },
    "/v1/file_links/{link}": {
        "get": operation(
            "GetFileLinksLink",
            "Retrieve a file link.",
            "File links",
            {"200": json_ok("file_link", "The file link."), **JSON_ERRORS},
            parameters=[LINK_ID, expand_param(["file", "file.links"])],
        ),
        "post": operation(
            "PostFileLinksLink",
            "Update a file link.",
            "File links",
            {"200": json_ok("file_link", "The updated link."), **POST_ERRORS},
            parameters=[LINK_ID, param("Idempotency-Key")],
            body=UPDATE_FILE_LINK,
            description="An expired link can no longer be updated (400).",
        ),
    },
    "/links/{token}": {
        "get": operation(
            "GetLinksToken",
            "Download a file through a file link, without a key.",
            "File links",
            {"200": CSV_OK, "400": response_ref("BadRequest"), "404": response_ref("NotFound")},
            parameters=[path_param("token", "The opaque token at the end of a file link's `url`.")],
            security=[],
            description="The public `url` of a file link; 404 once the link or its file has expired.",
        ),
    },
    "/v1/openapi.json": {
        "get": operation(
            "GetOpenapiJson",
            "This description.",
            "Meta",
            {
                "200": {
                    "description": "The OpenAPI 3.0.3 document.",
                    "headers": {"Request-Id": {"$ref": "#/components/headers/Request-Id"}},
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "400": response_ref("BadRequest"),
            },
            security=[],
        ),
    },
}


def schema() -> dict[str, Any]:
    """A fresh copy of the document each call: callers may change theirs freely."""
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "reporting",
            "version": API_VERSION,
            "description": "A self-hosted service that answers Stripe's Reporting API (report runs and types, "
            "files, file links) on the wire: same objects, parameters, errors and pagination.",
        },
        "servers": [{"url": "/"}],
        "security": [{"basicAuth": []}, {"bearerAuth": []}],
        "tags": [{"name": name} for name in ("Report runs", "Report types", "Files", "File links", "Meta")],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "basicAuth": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "The secret key (`sk_test_…` or `sk_live_…`) as user name, empty password.",
                },
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "auth-scheme",
                    "description": "`Authorization: Bearer sk_test_…`. The key's prefix chooses the mode.",
                },
            },
            "headers": {
                "Request-Id": {
                    "description": "A unique id for the request, to quote when asking for help.",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^req_[A-Za-z0-9]+$"},
                }
            },
            "parameters": PARAMETERS,
            "responses": RESPONSES,
            "schemas": SCHEMAS,
        },
    }
    return copy.deepcopy(document)


@api_view("GET", auth=False)
def schema_view(request: HttpRequest) -> HttpResponseBase:
    return JsonResponse(schema())
