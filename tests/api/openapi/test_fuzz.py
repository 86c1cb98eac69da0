"""Fuzzing, bounded for CI: every operation, valid and invalid requests, then bracket garbage."""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reporting.api.openapi import schema
from reporting.models import FileLink, ReportRun, WebhookEndpoint
from tests.conftest import examples

from .conformance import DOCUMENT, Exchange, conformance_errors, resolve
from .conftest import CREATE_RUN, JUNE_TO_OCTOBER, World

pytestmark = pytest.mark.django_db

# schemathesis generates requests from the document (valid and invalid ones), and our own Hypothesis
# strategies send bracket-encoded garbage; no answer may be a 5xx, every JSON answer must validate, and
# no 4xx may change a report run or a file link.

# Per operation and generation mode (schemathesis), and per operation (garbage): 15 in the `ci`
# hypothesis profile, 150 in `deep` (make test-deep); FUZZ_EXAMPLES=500 sets it outright. With 25
# operations, 15 each sends about a thousand requests per database in CI (about half a
# minute); the deep profile is where the fuzz explores.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or examples(1 / 2))
FUZZ_SETTINGS = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
OPERATIONS = [(path, method) for path, item in DOCUMENT["paths"].items() for method in item]


def snapshot() -> tuple[list[Any], ...]:
    """What a refused request must leave alone: the runs, links and webhook endpoints, with their mutable fields."""
    return (
        list(ReportRun.objects.order_by("id").values_list("id", "status")),
        list(FileLink.objects.order_by("id").values_list("id", "expires_at", "metadata")),
        list(
            WebhookEndpoint.objects.order_by("id").values_list(
                "id", "url", "enabled_events", "description", "status", "metadata"
            )
        ),
    )


def shorten(text: str) -> str:
    """Long generated values, readable: runs of one character are counted, not repeated."""
    return re.sub(r"(.)\1{9,}", lambda m: f"{m.group(1) * 3}…(×{len(m.group(0))})", text)[:2000]


def check_fuzzed(exchange: Exchange, before: tuple[list[Any], ...]) -> None:
    sent = shorten(exchange.sent)
    assert exchange.status < 500, f"{sent} -> {exchange.status}"
    errors = conformance_errors(exchange)
    assert errors == [], f"{sent} -> {exchange.status} {exchange.body[:300]!r}"
    if 400 <= exchange.status < 500:
        assert snapshot() == before, f"{sent} -> {exchange.status} changed data"


def report(sent: list[int], name: str) -> None:
    """Every fuzz must have sent something; with -s, say how much and what came back."""
    assert sent, f"{name}: no request was generated"
    print(f"\n{name}: {len(sent)} requests, statuses {dict(sorted(Counter(sent).items()))}")


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, sharing the test's transaction as the Django test client does."""
    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def real_values(world: World, path: str = "") -> dict[str, list[Any]]:
    """Values that reach real objects and pass validation, by parameter name.

    Random values mostly answer 400 or 404; these let generated requests reach the 200s too.
    An empty list means: leave the parameter out (balance.summary.1 refuses it).
    """
    cursors = {
        "/v1/reporting/report_runs": world.ids["report_run"],
        "/v1/files": world.ids["file"],
        "/v1/file_links": world.ids["link"],
        "/v1/balance_transactions": world.ids["id"],
        "/v1/payouts": world.ids["payout"],
        "/v1/events": world.ids["event"],
        "/v1/webhook_endpoints": world.ids["webhook_endpoint"],
    }.get(path, [])
    in_an_hour = int(time.time()) + 3600
    return {
        "report_type": ["balance.summary.1"],
        "parameters[interval_start]": [JUNE_TO_OCTOBER["interval_start"]],
        "parameters[interval_end]": [JUNE_TO_OCTOBER["interval_end"]],
        "parameters[currency]": ["usd", "eur"],
        "parameters[timezone]": ["Etc/UTC", "America/New_York"],
        "parameters[columns][]": [["category"], ["net_amount", "currency"]],
        "parameters[reporting_category]": [],
        "parameters[payout]": [],
        "parameters[connected_account]": [],
        "file": world.ids["file"],
        "payout": world.ids["payout"],
        "source": ["ch_world", "re_world", world.ids["payout"][0]],
        "type": ["charge", "payout"]
        if path.startswith("/v1/balance_transactions")
        else ["reporting.report_run.*", "reporting.report_run.failed"],
        "types[]": [
            ["reporting.report_run.failed"],
            ["reporting.report_run.succeeded", "reporting.report_type.updated"],
        ],
        "url": ["https://hooks.example.com/a", "http://127.0.0.1:9/b"],
        "enabled_events[]": [["*"], ["reporting.report_run.failed"]],
        "disabled": [True, False],
        "currency": ["usd", "USD"],
        "status": ["failed", "paid"],
        "expires_at": [in_an_hour] + (["now", ""] if path == "/v1/file_links/{link}" else []),
        "starting_after": cursors,
        "ending_before": cursors,
    }


# An operation with no parameters has no invalid request to generate.
NEGATABLE = [(p, m) for p, m in OPERATIONS if p != "/v1/openapi.json"]


@pytest.mark.parametrize(
    ("path", "method", "mode"),
    [(p, m, GenerationMode.POSITIVE) for p, m in OPERATIONS] + [(p, m, GenerationMode.NEGATIVE) for p, m in NEGATABLE],
)
def test_fuzz_from_the_document(world, test_secret, wsgi_app, path, method, mode):
    sent = []  # the status of every request sent
    operation = schemathesis.openapi.from_dict(schema())[path][method.upper()]
    strategy = operation.as_strategy(mode, headers={"Authorization": f"Bearer {test_secret}"})
    checks = [status_code_conformance, content_type_conformance, response_schema_conformance]
    path_names = re.findall(r"\{(\w+)\}", path)
    real = real_values(world, path)

    @FUZZ_SETTINGS
    @given(case=strategy, data=st.data())
    def fuzz(case, data):
        if mode is GenerationMode.POSITIVE and path_names and data.draw(st.booleans(), label="known id"):
            # Reach real objects too, not only random ids (which all answer 404).
            case.path_parameters = {n: data.draw(st.sampled_from(world.ids[n]), label=n) for n in path_names}
        if mode is GenerationMode.POSITIVE and data.draw(st.booleans(), label="real values"):
            for container in (c for c in (case.query, case.body) if isinstance(c, dict)):
                for name in [n for n in real if n in container]:
                    if real[name]:
                        container[name] = data.draw(st.sampled_from(real[name]), label=name)
                    else:
                        del container[name]
        before = snapshot()

        response = case.call(app=wsgi_app)

        sent.append(response.status_code)
        request = response.request
        exchange = Exchange(
            method=request.method or "",
            path=request.path_url.split("?")[0],
            status=response.status_code,
            headers={k.lower(): ", ".join(v) for k, v in response.headers.items()},
            body=response.content,
            sent=f"{request.method} {request.path_url} {request.body!r}",
        )
        check_fuzzed(exchange, before)
        case.validate_response(response, checks=checks)

    fuzz()

    report(sent, f"{method.upper()} {path} {mode}")


# Our own strategies: real requests with Stripe's bracket keys, then nested, indexed, broken and
# unknown keys beside them, with garbage values.
NAMES = st.sampled_from(
    ["parameters", "interval_start", "columns", "expand", "created", "gt", "metadata", "data", "file", "0", "1", ""]
) | st.text(min_size=1, max_size=8)
GARBAGE = st.one_of(
    st.sampled_from(["", "0", "-1", "1", "100", "101", "true", "now", "usd", "Etc/UTC", "balance.summary.1"]),
    st.sampled_from(["253402300799", "253402300800", "99999999999999999999", "1.5", " 7 ", "1e3", "\u0663"]),
    st.sampled_from(["data.result", "data.file", "data.links", "result", "file", "links", "parameters", "category"]),
    st.integers(min_value=1_700_000_000, max_value=1_800_000_000).map(str),
    st.text(max_size=20),
)


def declared_keys(path: str, method: str) -> list[str]:
    """The wire keys this operation declares (query or form), with the bracket forms spelled out."""
    operation = DOCUMENT["paths"][path][method]
    keys = []
    for parameter in map(resolve, operation.get("parameters", [])):
        if parameter["in"] == "query":
            keys.append(parameter["name"])
            if parameter.get("style") == "deepObject":
                keys += [f"{parameter['name']}[{op}]" for op in ("gt", "gte", "lt", "lte")]
    body = operation.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded")
    if body:
        keys += list(body["schema"]["properties"])
        keys += ["metadata[order]", "metadata[note]"] if "metadata" in body["schema"]["properties"] else []
    return keys


@st.composite
def wire_key(draw: Any, declared: list[str]) -> str:
    """Mostly a declared key; else one nested deeper (`a[b][]`, `a[0]`), or broken (`a[`, `[a]`, `a]b`)."""
    root = draw(st.sampled_from(declared) if declared else NAMES)
    kind = draw(st.sampled_from(["declared"] * 5 + ["nested", "nested", "unknown", "broken"]))
    if kind == "declared":
        return root
    if kind == "unknown":
        return draw(NAMES)
    key = root + "".join(f"[{p}]" for p in draw(st.lists(NAMES | st.integers(0, 3).map(str), min_size=1, max_size=3)))
    if kind == "broken":
        key = draw(st.sampled_from([key + "[", "[" + key + "]", key.replace("[", "]", 1), key.replace("]", "", 1)]))
    return key


def real_values_by_key(world: World, path: str) -> dict[str, list[str]]:
    real = {
        k: [str(v) for v in vs]
        for k, vs in real_values(world, path).items()
        if vs and k not in ("parameters[columns][]", "types[]", "enabled_events[]")
    }
    in_an_hour = str(int(time.time()) + 3600)
    return {
        **real,
        "expand[]": [
            "data.result",
            "data.file",
            "data.links",
            "result",
            "file",
            "links",
            "parameters",
            "data.source",
            "source.charge.customer",
            "data.failure_balance_transaction",
            "failure_balance_transaction",
        ],
        "limit": ["1", "2", "100"],
        "created": [str(JUNE_TO_OCTOBER["interval_start"])],
        "created[gte]": ["0", "1700000000"],
        "created[lt]": ["4102444800"],
        "arrival_date": ["1762387200"],
        "arrival_date[gte]": ["0", "1700000000"],
        "expires_at": [in_an_hour, "now", ""],
        "expired": ["true", "false"],
        "purpose": ["finance_report_run"],
        "parameters[columns][]": ["category", "net_amount", "currency"],
        "types[]": ["reporting.report_run.failed", "reporting.report_type.updated"],
        "enabled_events[]": ["*", "reporting.report_run.succeeded"],
        "delivery_success": ["true", "false"],
        "disabled": ["true", "false"],
        "parameters[currency]": ["usd", "eur"],
        "parameters[timezone]": ["Etc/UTC", "America/New_York"],
        "parameters[reporting_category]": ["charge", "payout"],
        "metadata[order]": ["42", ""],
    }


def path_value(name: str, world: World) -> st.SearchStrategy[str]:
    return st.sampled_from(world.ids[name]) | st.text(alphabet="abcdef_019%.-", min_size=1, max_size=12)


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_fuzz_with_bracket_garbage(world, test_secret, path, method):
    sent = []  # the status of every request sent
    declared = declared_keys(path, method)
    real = real_values_by_key(world, path)
    base = {
        ("/v1/reporting/report_runs", "post"): list(CREATE_RUN.items()),
        ("/v1/file_links", "post"): [("file", world.succeeded.result_id)],
        ("/v1/webhook_endpoints", "post"): [("url", "https://hooks.example.com/c"), ("enabled_events[]", "*")],
    }.get((path, method), [])

    @st.composite
    def pair(draw):
        key = draw(wire_key(declared))
        value = draw(st.sampled_from(real[key]) | GARBAGE if key in real else GARBAGE)
        return key, value

    @FUZZ_SETTINGS
    @given(
        with_base=st.booleans(),
        pairs=st.lists(pair(), max_size=5),
        authorization=st.sampled_from(
            [f"Bearer {test_secret}"] * 6 + ["", "Bearer ", "Bearer sk_test_x", "Basic Og=="]
        ),
        idempotency_key=st.none() | st.sampled_from(["a", "b"]),
        path_values=st.fixed_dictionaries({n: path_value(n, world) for n in re.findall(r"\{(\w+)\}", path)}),
    )
    def fuzz(with_base, pairs, authorization, idempotency_key, path_values):
        client = Client(**({"HTTP_AUTHORIZATION": authorization} if authorization else {}))
        url = re.sub(r"\{(\w+)\}", lambda m: path_values[m.group(1)], path)
        encoded = urlencode((base if with_base else []) + pairs)
        headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}
        before = snapshot()

        if method in ("get", "delete"):
            response = client.generic(method.upper(), f"{url}?{encoded}", **headers)
        else:
            response = client.post(url, encoded, content_type="application/x-www-form-urlencoded", **headers)

        sent.append(response.status_code)
        exchange = Exchange.from_django(response)
        exchange.sent += f" {encoded}"
        check_fuzzed(exchange, before)

    fuzz()

    report(sent, f"{method.upper()} {path} garbage")
