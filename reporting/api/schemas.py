"""The objects of the OpenAPI document (components/schemas), exactly as serializers.py shapes them.

Written by hand from Stripe's own description of the same objects (spec3, 2020-08-27) and kept
strict where Stripe is: every object lists its `required` keys and `nullable` fields exactly,
refuses unknown keys (`additionalProperties: false`) and pins its `object` value with an `enum`.

Nullable references follow Stripe's spelling, `{"anyOf": [{"$ref": ...}], "nullable": true}`:
OpenAPI 3.0 ignores keys beside a bare `$ref`, so `nullable` needs the `anyOf` to sit on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from reporting.reports import REPORT_TYPES

Schema = dict[str, Any]

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


def report_parameters(schemas: Mapping[str, Schema]) -> dict[str, Schema]:
    """Return the schemas of the parameters some registered report type accepts, in `schemas`' order.

    The document lists exactly these, so it cannot offer a parameter every type refuses;
    a parameter a type accepts but `schemas` lacks stops the import.
    """
    accepted = {name for report in REPORT_TYPES.values() for name in report.parameters}
    if missing := accepted - schemas.keys():
        raise ImproperlyConfigured(f"The OpenAPI document has no schema for report parameters {sorted(missing)}.")
    return {name: schema for name, schema in schemas.items() if name in accepted}


# What a run echoes of each parameter it was given.
ECHOED_PARAMETERS: dict[str, Schema] = {
    "columns": {
        "type": "array",
        "items": string(),
        "description": "The set of output columns requested for inclusion in the report run.",
    },
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
}

REPORT_RUN_PARAMETERS: Schema = {
    "title": "reporting.report_run.parameters",
    "description": "The parameters the run used: only the keys that were supplied are echoed.",
    "type": "object",
    "additionalProperties": False,
    "properties": report_parameters(ECHOED_PARAMETERS),
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
