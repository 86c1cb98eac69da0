"""The document and the views agree: every documented parameter and expand path is taken, nothing else is."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ImproperlyConfigured

from reporting.api.openapi import schema
from reporting.api.schemas import report_parameters
from reporting.models import ApiEvent, Door, FileLink
from reporting.services import Caller
from reporting.services.webhooks import create_endpoint
from tests.factories import BalanceTransactionFactory, FileFactory, PayoutFactory, ReportRunFactory

pytestmark = pytest.mark.django_db

DOCUMENT = schema()
# Served without a key, and they ignore the query string: there is nothing they could refuse.
UNCHECKED = {"GetLinksToken", "GetOpenapiJson"}
OPERATIONS = [
    pytest.param(path, method, id=operation["operationId"])
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
    if operation["operationId"] not in UNCHECKED
]


@pytest.fixture
def ids(account):
    run = ReportRunFactory(account=account)
    run.mark_succeeded(result=FileFactory(account=account), row_count=1)
    link = FileLink.objects.create(account=account, file=run.result)
    payout = PayoutFactory(account=account)
    txn = BalanceTransactionFactory(account=account, type="payout", source_id=payout.stripe_id, payout=payout)
    endpoint, _ = create_endpoint(
        Caller(account, False, Door.API), url="https://hooks.example.com/in", enabled_events=["*"]
    )
    return {
        "event": ApiEvent.objects.get(object_id=run.id).id,
        "webhook_endpoint": endpoint.id,
        "report_run": run.id,
        "report_type": "balance.summary.1",
        "file": run.result_id,
        "link": link.id,
        "id": txn.stripe_id,
        "payout": payout.stripe_id,
    }


def send(api, ids, path, method, pairs):
    url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
    if method in ("get", "delete"):
        return api.generic(method.upper(), f"{url}?{urlencode(pairs)}")
    return api.post(url, urlencode(pairs), content_type="application/x-www-form-urlencoded")


def refused(response, param):
    """Whether the answer refuses `param` (as unknown with `code`, or as an expand path with param=expand)."""
    error = response.json().get("error", {}) if response.status_code == 400 else {}
    return error.get("param") == param and (param == "expand" or error.get("code") == "parameter_unknown")


def documented(path, method):
    """The operation's query and form keys but `expand[]`, and its expand paths (None: it takes no `expand`)."""
    operation = DOCUMENT["paths"][path][method]
    schemas = {}
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = DOCUMENT["components"]["parameters"][parameter["$ref"].rpartition("/")[2]]
        if parameter["in"] == "query":
            schemas[parameter["name"]] = parameter["schema"]
    body = operation.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded")
    schemas.update(body["schema"]["properties"] if body else {})
    expand = schemas.pop("expand[]", None)
    return list(schemas), None if expand is None else expand["items"].get("enum", [])


def base(path, method, ids):
    """What the operation needs before it looks at an optional parameter."""
    return {("/v1/file_links", "post"): [("file", ids["file"])]}.get((path, method), [])


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_undocumented_parameter_is_refused(api, ids, path, method):
    response = send(api, ids, path, method, [*base(path, method, ids), ("colour", "red")])

    assert refused(response, "colour"), response.content


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_documented_parameters_are_taken(api, ids, path, method):
    keys, _ = documented(path, method)

    for key in keys:
        if key.startswith("parameters["):
            continue  # report parameters: per report type, below
        response = send(api, ids, path, method, [*base(path, method, ids), (key, "1")])
        assert not refused(response, key.removesuffix("[]")), (key, response.content)


def test_documented_report_parameters_are_taken_by_some_report_type(api, ids):
    keys, _ = documented("/v1/reporting/report_runs", "post")
    types = [t["id"] for t in api.get("/v1/reporting/report_types").json()["data"]]

    refused_by_all = []
    for key in [k for k in keys if k.startswith("parameters[")]:
        param = key.removesuffix("[]")
        answers = (send(api, ids, "/v1/reporting/report_runs", "post", [("report_type", t), (key, "1")]) for t in types)
        if all(refused(response, param) for response in answers):
            refused_by_all.append(key)

    assert refused_by_all == []


def test_undocumented_report_parameter_is_refused(api, ids):
    response = send(
        api,
        ids,
        "/v1/reporting/report_runs",
        "post",
        [("report_type", "balance.summary.1"), ("parameters[colour]", "red")],
    )

    assert refused(response, "parameters[colour]"), response.content


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_documented_expand_paths_are_taken_and_others_refused(api, ids, path, method):
    _, paths = documented(path, method)

    answers = {p: send(api, ids, path, method, [*base(path, method, ids), ("expand[]", p)]) for p in paths or []}
    unknown = send(api, ids, path, method, [*base(path, method, ids), ("expand[]", "colour")])

    assert [p for p, response in answers.items() if refused(response, "expand")] == []
    assert refused(unknown, "expand"), unknown.content


def test_a_report_parameter_without_a_schema_stops_the_document():
    with pytest.raises(ImproperlyConfigured, match="interval_start"):
        report_parameters({})
