"""The reference generator agrees with the registry's catalogue and writes the hand-made golden files."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from reporting.reports import REPORT_TYPES, Params

from .goldens import APRIL_START, GOLDEN_RUNS, MARCH_START, MAY_START, golden
from .reference import reference_write
from .reference.catalogue import ACTIVITY, COLUMNS, DEFAULTS, ITEMIZED_TYPES, PAYOUTS, SUMMARY
from .reference.cells import METADATA

pytestmark = pytest.mark.django_db


def test_reference_knows_every_type_and_its_columns():
    """The reference's own catalogue (written from report-types.md) agrees with the registry."""
    for report_type, report in REPORT_TYPES.items():
        assert report.column_names == COLUMNS[report_type], report_type
        assert (report.default_columns or report.column_names) == DEFAULTS[report_type], report_type
        spec = ITEMIZED_TYPES.get(report_type)
        assert report.metadata_fields == (spec.metadata if spec else ()), report_type
        if spec is not None:
            assert ("timezone" in report.parameters) == spec.timezone, report_type


def test_golden_runs_ask_only_for_columns_their_version_accepts():
    """Checked against the reference's catalogue, so it holds without the product (the reference refuses others)."""
    for report_type, name, parameters in GOLDEN_RUNS:
        spec = ITEMIZED_TYPES.get(report_type)
        for column in parameters.get("columns", ()):
            match = METADATA.fullmatch(column)
            taken = spec is not None and match is not None and match[1] in spec.metadata
            assert column in COLUMNS[report_type] or taken, (name, column)
        if spec is not None and not spec.timezone:
            assert "timezone" not in parameters, name


@pytest.mark.parametrize(
    ("report_type", "name", "parameters"),
    [
        (ACTIVITY, "balance_change_itemized_2025-03.csv", {}),
        (ACTIVITY, "balance_change_itemized_2025-04.csv", {"month": "april"}),
        (ACTIVITY, "balance_change_itemized_2025-03_refund.csv", {"reporting_category": "refund"}),
        (
            ACTIVITY,
            "balance_change_itemized_2025-03_columns.csv",
            {"columns": ["net", "balance_transaction_id", "automatic_payout_id"]},
        ),
        (PAYOUTS, "payouts_itemized_2025-03.csv", {}),
        (PAYOUTS, "payouts_itemized_2025-04.csv", {"month": "april"}),
        (PAYOUTS, "payouts_itemized_2025-03_jpy.csv", {"currency": "jpy"}),
        (PAYOUTS, "payouts_itemized_2025-03_payout_reversal.csv", {"reporting_category": "payout_reversal"}),
        (
            PAYOUTS,
            "payouts_itemized_2025-03_columns.csv",
            {
                "columns": [
                    "payout_id",
                    "balance_transaction_id",
                    "payout_reversed_at",  # in UTC: version 1 takes no timezone
                    "payout_type",
                    "payout_description",
                    "payout_destination_id",
                    "trace_id",
                    "trace_id_status",
                ]
            },
        ),
        (SUMMARY, "balance_summary_2025-03.csv", {}),
        (SUMMARY, "balance_summary_2025-04.csv", {"month": "april"}),
        (SUMMARY, "balance_summary_2025-03_jpy.csv", {"currency": "jpy"}),
        (SUMMARY, "balance_summary_2025-03_new_york.csv", {"timezone": "America/New_York"}),
    ],
)
def test_reference_writes_the_golden_files(golden_account, report_type, name, parameters):
    parameters = dict(parameters)
    start, end = (APRIL_START, MAY_START) if parameters.pop("month", None) == "april" else (MARCH_START, APRIL_START)
    params = Params(
        account_id=golden_account.id,
        livemode=False,
        interval_start=datetime.fromtimestamp(start, UTC),
        interval_end=datetime.fromtimestamp(end, UTC),
        currency=parameters.get("currency"),
        reporting_category=parameters.get("reporting_category"),
        timezone=ZoneInfo(parameters.get("timezone", "Etc/UTC")),
        columns=parameters.get("columns", ()),
    )

    content, _ = reference_write(report_type, params)

    assert content.decode() == golden(name)


@pytest.mark.parametrize(("report_type", "name", "parameters"), GOLDEN_RUNS, ids=[name for _, name, _ in GOLDEN_RUNS])
def test_reference_writes_the_golden_files_of_the_newer_types(golden_account, report_type, name, parameters):
    def moment(key: str) -> datetime | None:
        return datetime.fromtimestamp(parameters[key], UTC) if key in parameters else None

    params = Params(
        account_id=golden_account.id,
        livemode=False,
        interval_start=moment("interval_start"),
        interval_end=moment("interval_end"),
        currency=parameters.get("currency"),
        reporting_category=parameters.get("reporting_category"),
        timezone=ZoneInfo(parameters.get("timezone", "Etc/UTC")),
        columns=parameters.get("columns", ()),
        payout=parameters.get("payout"),
        decimal_separator=parameters.get("decimal_separator", "."),
    )

    content, count = reference_write(report_type, params)

    assert content.decode() == golden(name)
    assert count == golden(name).count("\n") - 1
