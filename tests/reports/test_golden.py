"""The report types added with the reconciliation families write their hand-made golden files byte for byte."""

from __future__ import annotations

import io

import pytest

from reporting.reports import REPORT_TYPES, get_report
from reporting.services import params_for
from tests.factories import ReportRunFactory

from .goldens import GOLDEN_RUNS, golden

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("report_type", "name", "parameters"), GOLDEN_RUNS, ids=[name for _, name, _ in GOLDEN_RUNS])
def test_product_writes_the_golden_file(golden_account, report_type, name, parameters):
    report = get_report(report_type)
    assert set(parameters) <= set(report.parameters), "a golden run uses only parameters its type accepts"
    assert set(report.required) <= set(parameters)
    run = ReportRunFactory(account=golden_account, report_type_id=report_type, parameters=parameters)
    expected = golden(name)
    out = io.BytesIO()

    count = report.write(params_for(run), out)

    assert out.getvalue().decode("utf-8") == expected
    assert out.getvalue() == expected.encode("utf-8")
    assert count == expected.count("\n") - 1


def test_every_new_type_has_a_golden_file():
    older = {
        "balance.summary.1",
        "balance_change_from_activity.summary.1",
        "balance_change_from_activity.itemized.1",
        "payouts.summary.1",
        "payouts.itemized.1",
    }
    assert {report_type for report_type, _, _ in GOLDEN_RUNS} == set(REPORT_TYPES) - older
