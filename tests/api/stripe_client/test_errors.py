"""Errors through the client: the exception, status, code and param of every refused request."""

from __future__ import annotations

import pytest
import requests
import stripe

from reporting.models import ApiKey, ReportRun
from tests.factories import PayoutFactory, ReportRunFactory

from .conftest import AVAILABLE_END, AVAILABLE_START, PAYOUT, SEPTEMBER, create_params, make_client

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


CREATE_ERRORS = [
    pytest.param({}, "parameter_missing", "report_type", id="missing-report-type"),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "foo": "bar"}),
        "parameter_unknown",
        "parameters[foo]",
        id="unknown-param",
    ),
    pytest.param(create_params(foo="bar"), "parameter_unknown", "foo", id="unknown-top-level-param"),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "interval_start": "abc"}),
        "parameter_invalid_integer",
        "parameters[interval_start]",
        id="interval-start-not-integer",
    ),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "interval_end": AVAILABLE_END + 1}),
        None,
        "parameters[interval_end]",
        id="interval-end-after-availability",
    ),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "interval_start": AVAILABLE_START - 1}),
        None,
        "parameters[interval_start]",
        id="interval-start-before-availability",
    ),
    pytest.param(
        create_params(
            parameters={"interval_start": SEPTEMBER["interval_end"], "interval_end": SEPTEMBER["interval_start"]}
        ),
        None,
        "parameters[interval_end]",
        id="interval-reversed",
    ),
    pytest.param(create_params(report_type="balance.nope.1"), None, "report_type", id="unknown-report-type"),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "columns": ["category", "nope"]}),
        None,
        "parameters[columns]",
        id="unknown-column",
    ),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "timezone": "Mars/Olympus"}),
        None,
        "parameters[timezone]",
        id="unknown-timezone",
    ),
    pytest.param(
        create_params(parameters={"interval_start": SEPTEMBER["interval_start"]}),
        "parameter_missing",
        "parameters[interval_end]",
        id="missing-interval-end",
    ),
    pytest.param(
        create_params(report_type="payout_reconciliation.by_id.itemized.1", parameters={}),
        "parameter_missing",
        "parameters[payout]",
        id="by-id-without-payout",
    ),
    pytest.param(
        create_params(report_type="payout_reconciliation.by_id.itemized.1", parameters={"payout": "po_nope"}),
        None,
        "parameters[payout]",
        id="unknown-payout",
    ),
    pytest.param(
        create_params(report_type="payout_reconciliation.by_id.itemized.1", parameters={"payout": PAYOUT, **SEPTEMBER}),
        "parameter_unknown",
        "parameters[interval_start]",
        id="by-id-takes-no-interval",
    ),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "payout": PAYOUT}),
        "parameter_unknown",
        "parameters[payout]",
        id="payout-on-a-type-without-it",
    ),
    pytest.param(
        create_params(report_type="ending_balance_reconciliation.itemized.1", parameters=SEPTEMBER),
        "parameter_unknown",
        "parameters[interval_start]",
        id="ending-balance-takes-only-the-end",
    ),
    pytest.param(
        create_params(
            report_type="balance_change_from_activity.itemized.1", parameters={**SEPTEMBER, "decimal_separator": ";"}
        ),
        None,
        "parameters[decimal_separator]",
        id="bad-decimal-separator",
    ),
    pytest.param(
        create_params(parameters={**SEPTEMBER, "decimal_separator": ","}),
        "parameter_unknown",
        "parameters[decimal_separator]",
        id="decimal-separator-on-a-summary",
    ),
    pytest.param(
        create_params(
            report_type="balance_change_from_activity.itemized.1",
            parameters={**SEPTEMBER, "columns": ["balance_transaction_id", "payment_metadata[order]"]},
        ),
        None,
        "parameters[columns]",
        id="metadata-column-on-version-1",
    ),
    pytest.param(
        create_params(
            report_type="balance_change_from_activity.itemized.2",
            parameters={**SEPTEMBER, "columns": ["balance_transaction_id", "created"]},
        ),
        None,
        "parameters[columns]",
        id="local-time-column-on-a-utc-version",
    ),
]


@pytest.mark.parametrize(("params", "code", "param"), CREATE_ERRORS)
def test_create_errors_raise_invalid_request_error(sc, params, code, param):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.reporting.report_runs.create(params)

    error = caught.value
    assert error.http_status == 400
    assert error.param == param
    if code is not None:
        assert error.code == code
    assert error.error.type == "invalid_request_error"
    assert error.request_id.startswith("req_")
    assert ReportRun.objects.count() == 0


@pytest.mark.parametrize("where", ["manual", "other-account", "live-mode"])
def test_by_id_names_only_an_automatic_payout_of_the_keys_account_and_mode(sc, books, where):
    payout = {
        "manual": lambda: PayoutFactory(account=books, automatic=False),
        "other-account": lambda: PayoutFactory(),
        "live-mode": lambda: PayoutFactory(account=books, livemode=True),
    }[where]()

    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.reporting.report_runs.create(
            {"report_type": "payout_reconciliation.by_id.itemized.1", "parameters": {"payout": payout.stripe_id}}
        )

    assert caught.value.param == "parameters[payout]"
    assert f"No such automatic payout: '{payout.stripe_id}'" in caught.value.user_message
    assert ReportRun.objects.count() == 0


def test_interval_may_span_exactly_the_available_data(sc):
    whole = {"interval_start": AVAILABLE_START, "interval_end": AVAILABLE_END}

    run = sc.v1.reporting.report_runs.create({"report_type": "balance.summary.1", "parameters": whole})

    assert run.parameters.to_dict() == whole


def test_create_error_with_the_legacy_api(legacy):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe.reporting.ReportRun.create(report_type="balance.summary.1", parameters={**SEPTEMBER, "foo": "1"})

    assert caught.value.http_status == 400
    assert (caught.value.code, caught.value.param) == ("parameter_unknown", "parameters[foo]")
    assert ReportRun.objects.count() == 0


def test_unknown_ids_are_resource_missing(sc):
    calls = {
        "report run": lambda: sc.v1.reporting.report_runs.retrieve("frr_nope"),
        "report type": lambda: sc.v1.reporting.report_types.retrieve("nope.1"),
        "file": lambda: sc.v1.files.retrieve("file_nope"),
        "file link": lambda: sc.v1.file_links.retrieve("link_nope"),
    }

    for name, call in calls.items():
        with pytest.raises(stripe.InvalidRequestError) as caught:
            call()
        assert caught.value.http_status == 404, name
        assert (caught.value.code, caught.value.param) == ("resource_missing", "id"), name
        assert "No such" in caught.value.user_message, name


def test_legacy_retrieve_of_unknown_run(legacy):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe.reporting.ReportRun.retrieve("frr_nope")

    assert caught.value.http_status == 404
    assert (caught.value.code, caught.value.param) == ("resource_missing", "id")


def test_invalid_key_is_authentication_error(live_server, books):
    bad = make_client(live_server, "sk_test_" + "x" * 48)

    with pytest.raises(stripe.AuthenticationError) as caught:
        bad.v1.reporting.report_runs.create(create_params())

    assert caught.value.http_status == 401
    assert ReportRun.objects.count() == 0


def test_revoked_key_is_authentication_error(live_server, account, books):
    key, secret = ApiKey.issue(account=account, livemode=False)
    key.revoke()
    revoked = make_client(live_server, secret)

    with pytest.raises(stripe.AuthenticationError) as caught:
        revoked.v1.reporting.report_runs.create(create_params())
    with pytest.raises(stripe.AuthenticationError):
        revoked.v1.reporting.report_runs.list()

    assert caught.value.http_status == 401
    assert ReportRun.objects.count() == 0


@pytest.mark.parametrize(
    ("params", "param"),
    [
        pytest.param({"limit": 101}, "limit", id="limit-101"),
        pytest.param({"limit": 0}, "limit", id="limit-0"),
        pytest.param({"limit": "ten"}, "limit", id="limit-not-integer"),
        pytest.param({"created": {"after": 1}}, "created[after]", id="created-unknown-operator"),
        pytest.param({"starting_after": "frr_nope"}, "starting_after", id="unknown-cursor"),
    ],
)
def test_list_errors(sc, params, param):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.reporting.report_runs.list(params)

    assert caught.value.http_status in (400, 404)
    assert caught.value.param == param


def test_both_cursors_are_refused(sc, account):
    first, second = (ReportRunFactory(account=account) for _ in range(2))

    with pytest.raises(stripe.InvalidRequestError) as caught:
        sc.v1.reporting.report_runs.list({"starting_after": first.id, "ending_before": second.id})

    assert caught.value.http_status == 400
    assert caught.value.code == "parameters_exclusive"


def test_response_headers_and_unknown_urls(sc, live_server, test_secret, succeeded_run):
    run = sc.v1.reporting.report_runs.retrieve(succeeded_run.id)
    basic = requests.get(f"{live_server.url}/v1/reporting/report_runs", auth=(test_secret, ""), timeout=10)
    with pytest.raises(stripe.InvalidRequestError) as unknown_url:
        sc.raw_request("get", "/v1/reporting/nope")

    assert run.last_response.headers["Stripe-Version"] == stripe.api_version
    assert run.last_response.request_id.startswith("req_")
    assert unknown_url.value.http_status == 404
    assert "Unrecognized request URL" in unknown_url.value.user_message
    assert basic.status_code == 200
    assert [r["id"] for r in basic.json()["data"]] == [succeeded_run.id]
