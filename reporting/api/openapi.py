"""The OpenAPI 3.0.3 description of the API, served at /v1/openapi.json.

Assembled from the operations (operations.py), the objects they answer (schemas.py) and the
parameters and responses they share (components.py).
"""

from __future__ import annotations

import copy
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase

from .auth import api_view
from .components import PARAMETERS, RESPONSES
from .ledger_schemas import LEDGER_SCHEMAS
from .operations import GET_OPENAPI, OPERATIONS
from .schemas import (
    ERROR,
    ERROR_DETAIL,
    FILE,
    FILE_LINK,
    REPORT_RUN,
    REPORT_RUN_PARAMETERS,
    REPORT_TYPE,
    Schema,
    list_of,
)
from .serializers import API_VERSION
from .webhook_schemas import WEBHOOK_SCHEMAS

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
    **LEDGER_SCHEMAS,
    "balance_transaction_list": list_of(
        "balance_transaction", "^/v1/balance_transactions$", "A page of balance transactions, newest first."
    ),
    "payout_list": list_of("payout", "^/v1/payouts$", "A page of payouts, newest first."),
    **WEBHOOK_SCHEMAS,
    "error": ERROR,
    "api_errors": ERROR_DETAIL,
}


def paths() -> dict[str, Schema]:
    """Group the operations by path, in their declared order."""
    found: dict[str, Schema] = {}
    for operation in OPERATIONS:
        found.setdefault(operation.path, {})[operation.method.lower()] = operation.openapi()
    return found


def schema() -> dict[str, Any]:
    """A fresh copy of the document each call: callers may change theirs freely."""
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "reporting",
            "version": API_VERSION,
            "description": "A self-hosted service that answers Stripe's Reporting API (report runs and types, "
            "files, file links), reads of its ledger (balance transactions, payouts), and its events with "
            "the webhook endpoints they are sent to, on the wire: same objects, parameters, errors and pagination.",
        },
        "servers": [{"url": "/"}],
        "security": [{"basicAuth": []}, {"bearerAuth": []}],
        "tags": [
            {"name": name}
            for name in (
                "Report runs",
                "Report types",
                "Files",
                "File links",
                "Balance transactions",
                "Payouts",
                "Events",
                "Webhook endpoints",
                "Meta",
            )
        ],
        "paths": paths(),
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


@api_view(GET_OPENAPI)
def schema_view(request: HttpRequest) -> HttpResponseBase:
    return JsonResponse(schema())
