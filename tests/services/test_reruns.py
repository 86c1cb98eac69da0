"""Run again: a run's parameters as the new-run form's query, as they were or moved forward."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime

import pytest

from reporting.models import ReportRun
from reporting.services.reruns import moved_forward, same_again

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# Data from 1 Jan 2025 to the end of 5 Dec 2025 (UTC midnights, as data_availability gives them).
DATA = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 12, 6, tzinfo=UTC))


def berlin(*day: int) -> int:
    return int(datetime(*day, tzinfo=BERLIN).timestamp())


def run(report_type="balance.summary.1", **parameters) -> ReportRun:
    return ReportRun(report_type_id=report_type, parameters=parameters)


def test_same_again_gives_the_days_and_options_in_the_users_zone():
    june = run(
        "payouts.itemized.3",
        interval_start=berlin(2025, 6, 1),
        interval_end=berlin(2025, 7, 1),
        currency="eur",
        columns=["net", "gross"],
    )

    assert same_again(june, BERLIN) == {
        "report_type": "payouts.itemized.3",
        "start_date": date(2025, 6, 1),
        "end_date": date(2025, 6, 30),
        "currency": "eur",
        "columns": ["net", "gross"],
    }
    assert same_again(run("ending_balance_reconciliation.summary.1", interval_end=berlin(2025, 7, 1)), BERLIN) == {
        "report_type": "ending_balance_reconciliation.summary.1",
        "as_of": date(2025, 6, 30),
    }


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # A whole month moves to the next whole month...
        ((2025, 10, 1), (2025, 11, 1), (date(2025, 11, 1), date(2025, 11, 30))),
        # ...a quarter to the next quarter, across the year's end...
        ((2024, 10, 1), (2025, 1, 1), (date(2025, 1, 1), date(2025, 3, 31))),
        # ...but not to a month the data does not cover yet.
        ((2025, 11, 1), (2025, 12, 1), None),
        # Other periods keep their length and end on the last day with data (5 Dec).
        ((2025, 3, 3), (2025, 3, 10), (date(2025, 11, 29), date(2025, 12, 5))),
        # Nothing newer than a period that already ends there.
        ((2025, 11, 29), (2025, 12, 6), None),
    ],
)
def test_moved_forward_keeps_the_kind_of_period(start, end, expected):
    moved = moved_forward(run(interval_start=berlin(*start), interval_end=berlin(*end)), BERLIN, DATA)

    assert (None if moved is None else (moved["start_date"], moved["end_date"])) == expected


def test_moved_forward_as_of_and_payouts():
    def as_of(*day):
        moved = moved_forward(run("ending_balance_reconciliation.summary.1", interval_end=berlin(*day)), BERLIN, DATA)
        return None if moved is None else moved["as_of"]

    assert as_of(2025, 10, 1) == date(2025, 10, 31)  # a month's last day: the next month's
    assert as_of(2025, 3, 16) == date(2025, 12, 5)  # another day: the last day with data
    assert as_of(2025, 12, 6) is None
    assert moved_forward(run("payout_reconciliation.by_id.summary.1", payout="po_1"), BERLIN, DATA) is None
    assert (
        moved_forward(
            run(interval_start=berlin(2025, 1, 1), interval_end=berlin(2025, 2, 1)), BERLIN, (DATA[0], DATA[0])
        )
        is None
    )
