"""The Reporting API's operations: report runs and types, files and file links, and the document itself."""

from __future__ import annotations

from reporting.api.bodies import FILE_LINK_BODY, FILE_LINK_UPDATE_BODY, REPORT_RUN_BODY
from reporting.api.components import (
    CSV_OK,
    JSON_ERRORS,
    PAGE_PARAMS,
    POST_ERRORS,
    json_ok,
    param,
    path_param,
    query_param,
    response_ref,
)
from reporting.api.schemas import FILE_PURPOSES, string

from .operation import Operation

REPORT_RUN_ID = path_param("report_run", "The id of a report run (`frr_…`).")
REPORT_TYPE_ID = path_param("report_type", "The id of a report type, such as `balance.summary.1`.")
FILE_ID = path_param("file", "The id of a file (`file_…`).")
LINK_ID = path_param("link", "The id of a file link (`link_…`).")
IDEMPOTENCY_KEY = param("Idempotency-Key")

LIST_REPORT_RUNS = Operation(
    "GET",
    "/v1/reporting/report_runs",
    "GetReportingReportRuns",
    "List report runs, newest first.",
    "Report runs",
    {"200": json_ok("reporting.report_run_list", "A page of report runs."), **JSON_ERRORS},
    parameters=PAGE_PARAMS,
    expand=("data.parameters", "data.result", "data.result.links"),
)
CREATE_REPORT_RUN = Operation(
    "POST",
    "/v1/reporting/report_runs",
    "PostReportingReportRuns",
    "Create a report run.",
    "Report runs",
    {"200": json_ok("reporting.report_run", "The new run, `pending`."), **POST_ERRORS},
    parameters=(IDEMPOTENCY_KEY,),
    body=REPORT_RUN_BODY,
    expand=("parameters", "result", "result.links"),
    description="The run is generated asynchronously: poll it, or wait for its webhook event.",
)
RETRIEVE_REPORT_RUN = Operation(
    "GET",
    "/v1/reporting/report_runs/{report_run}",
    "GetReportingReportRunsReportRun",
    "Retrieve a report run.",
    "Report runs",
    {"200": json_ok("reporting.report_run", "The report run."), **JSON_ERRORS},
    parameters=(REPORT_RUN_ID,),
    expand=("parameters", "result", "result.links"),
)
LIST_REPORT_TYPES = Operation(
    "GET",
    "/v1/reporting/report_types",
    "GetReportingReportTypes",
    "List every report type, in one page.",
    "Report types",
    {"200": json_ok("reporting.report_type_list", "Every report type available to this key."), **JSON_ERRORS},
    expand=(),
)
RETRIEVE_REPORT_TYPE = Operation(
    "GET",
    "/v1/reporting/report_types/{report_type}",
    "GetReportingReportTypesReportType",
    "Retrieve a report type.",
    "Report types",
    {"200": json_ok("reporting.report_type", "The report type."), **JSON_ERRORS},
    parameters=(REPORT_TYPE_ID,),
    expand=(),
    description="Live-mode-only report types answer a test-mode key with a 400.",
)
LIST_FILES = Operation(
    "GET",
    "/v1/files",
    "GetFiles",
    "List files, newest first.",
    "Files",
    {"200": json_ok("file_list", "A page of files."), **JSON_ERRORS},
    parameters=(
        *PAGE_PARAMS,
        query_param("purpose", "Only files with this purpose.", {"type": "string", "enum": FILE_PURPOSES}),
    ),
    expand=("data.links",),
)
RETRIEVE_FILE = Operation(
    "GET",
    "/v1/files/{file}",
    "GetFilesFile",
    "Retrieve a file.",
    "Files",
    {"200": json_ok("file", "The file."), **JSON_ERRORS},
    parameters=(FILE_ID,),
    expand=("links",),
)
DOWNLOAD_FILE = Operation(
    "GET",
    "/v1/files/{file}/contents",
    "GetFilesFileContents",
    "Download a file's contents.",
    "Files",
    {"200": CSV_OK, **JSON_ERRORS},
    parameters=(FILE_ID,),
    description="The value of `file.url`. An expired file answers 404.",
)
LIST_FILE_LINKS = Operation(
    "GET",
    "/v1/file_links",
    "GetFileLinks",
    "List file links, newest first.",
    "File links",
    {"200": json_ok("file_link_list", "A page of file links."), **JSON_ERRORS},
    parameters=(
        *PAGE_PARAMS,
        query_param("expired", "Only expired links (`true`) or only live ones (`false`).", {"type": "boolean"}),
        query_param("file", "Only links to this file id.", string()),
    ),
    expand=("data.file", "data.file.links"),
)
CREATE_FILE_LINK = Operation(
    "POST",
    "/v1/file_links",
    "PostFileLinks",
    "Create a file link.",
    "File links",
    {"200": json_ok("file_link", "The new link."), **POST_ERRORS},
    parameters=(IDEMPOTENCY_KEY,),
    body=FILE_LINK_BODY,
    expand=("file", "file.links"),
)
RETRIEVE_FILE_LINK = Operation(
    "GET",
    "/v1/file_links/{link}",
    "GetFileLinksLink",
    "Retrieve a file link.",
    "File links",
    {"200": json_ok("file_link", "The file link."), **JSON_ERRORS},
    parameters=(LINK_ID,),
    expand=("file", "file.links"),
)
UPDATE_FILE_LINK = Operation(
    "POST",
    "/v1/file_links/{link}",
    "PostFileLinksLink",
    "Update a file link.",
    "File links",
    {"200": json_ok("file_link", "The updated link."), **POST_ERRORS},
    parameters=(LINK_ID, IDEMPOTENCY_KEY),
    body=FILE_LINK_UPDATE_BODY,
    expand=("file", "file.links"),
    description="An expired link can no longer be updated (400).",
)
DOWNLOAD_LINK = Operation(
    "GET",
    "/links/{token}",
    "GetLinksToken",
    "Download a file through a file link, without a key.",
    "File links",
    {
        "200": CSV_OK,
        "400": response_ref("BadRequest"),
        "404": response_ref("NotFound"),
        "429": response_ref("TooManyRequests"),
    },
    parameters=(path_param("token", "The opaque token at the end of a file link's `url`."),),
    public=True,
    description="The public `url` of a file link; 404 once the link or its file has expired.",
)
GET_OPENAPI = Operation(
    "GET",
    "/v1/openapi.json",
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
    public=True,
)
