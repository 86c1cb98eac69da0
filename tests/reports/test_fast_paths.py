"""Every fast path writes byte for byte the file of the plain reference generator (reference/).

On PostgreSQL the itemized reports are one COPY with the formatting done in SQL,
on SQLite one SELECT building whole CSV lines; both, and the Python fallback, are
compared here with an independent second implementation over random ledgers,
on whichever database the suite runs on: every itemized type of the balance,
payouts and reconciliation families, with random column subsets (local-time
twins, metadata keys), decimal separators, timezones, filters and, for the
by_id types, the payout. The summaries (sums read partly from the daily totals)
are compared on the same ledgers.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reporting.reports import get_report
from tests.factories import AccountFactory

from .fast_paths.entries import DST_CHANGES, payout_entries, txn_entries
from .fast_paths.ledger import build_ledger
from .fast_paths.params import FAMILIES, SUMMARIES, broad_columns, draw_params
from .fast_paths.routes import python_fallback, rolled_back, sql_path_where_possible, write
from .reference import reference_write

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["sql", "python"])
@settings(  # examples: the profile's (tests/conftest.py), for each path
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    anchor=st.sampled_from(DST_CHANGES),
    payouts=st.lists(payout_entries, min_size=1, max_size=4),
    txns=st.lists(txn_entries, min_size=1, max_size=12),
    data=st.data(),
)
def test_fast_paths_match_reference_on_random_ledgers(path, anchor, payouts, txns, data):
    with rolled_back():  # each example's ledger is gone after it, even when a query fails
        account = AccountFactory()  # a fresh account per example
        times = sorted(set(build_ledger(account, anchor, payouts, txns)))
        # One version of each itemized family per example (and two summaries on the SQL route).
        chosen = [data.draw(st.sampled_from(types), label=family) for family, types in FAMILIES.items()]
        if path == "sql":
            chosen += data.draw(st.lists(st.sampled_from(SUMMARIES), min_size=2, max_size=2, unique=True))
        runs = []
        for report_type in chosen:
            params = draw_params(data, account.id, report_type, anchor, times)
            # The random parameters, and the same scope with every column and no filter.
            broad = replace(
                params, livemode=False, currency=None, reporting_category=None, columns=broad_columns(report_type)
            )
            runs += [(report_type, params), (report_type, broad)]
        expected = [reference_write(report_type, params) for report_type, params in runs]

        results = []
        for report_type, params in runs:
            if report_type in SUMMARIES:
                results.append((*write(report_type, params), 1))
                continue
            if path == "sql":
                route = sql_path_where_possible(report_type, params)
            else:
                route = python_fallback(get_report(report_type))
            with route as spy:
                content, count = write(report_type, params)
            results.append((content, count, spy.call_count if path == "python" else 1))

    for (report_type, _), (_, expected_count) in zip(runs, expected, strict=True):
        event(f"{report_type.rsplit('.', 2)[0]}: {'rows' if expected_count else 'empty'}")
    for (content, count, calls), (expected_content, expected_count) in zip(results, expected, strict=True):
        assert content.decode() == expected_content.decode()
        assert content == expected_content
        assert count == expected_count
        assert calls == 1
