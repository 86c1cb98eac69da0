"""Every type version accepts and writes exactly Stripe's documented columns (columns-by-version.md).

The expected lists are the tests' own: the reference catalogue's table, copied from the facts
file (2024 page order, `*_metadata[key]` placeholders included), independent of the product's.
"""

from __future__ import annotations

import io

import pytest

from reporting.parameters import MAX_METADATA_COLUMNS, ColumnsField
from reporting.reports import REPORT_TYPES
from reporting.services import params_for
from tests.factories import ReportRunFactory

from .goldens import APRIL_START, MARCH_START
from .reference.catalogue import (
    COLUMNS,
    DEFAULTS,
    DOCUMENTED,
    NINE,
    PAYOUTS_DEFAULT,
    PAYOUTS_DEFAULT_LOCAL,
    PLACEHOLDER,
)

FACTS = {**DOCUMENTED, **{t: c for t, c in COLUMNS.items() if t not in DOCUMENTED}}


def expected_all_columns(type_id: str) -> list[str]:
    """The README's rule: the pages' order; the trace after customer_facing_currency or
    payout_destination_id (where real downloads carry it); application_fee last where §7 says."""
    return COLUMNS[type_id]


def accepts(type_id: str, name: str) -> bool:
    field = ColumnsField(REPORT_TYPES[type_id])
    try:
        field.clean([name])
    except Exception:
        return False
    return True


def test_the_facts_cover_the_25_type_versions_the_product_serves():
    assert set(FACTS) == set(REPORT_TYPES)
    assert len(FACTS) == 25


@pytest.mark.parametrize("type_id", FACTS)
def test_all_columns_are_the_documented_ones_in_documented_order(type_id):
    assert REPORT_TYPES[type_id].column_names == expected_all_columns(type_id)


@pytest.mark.parametrize("type_id", FACTS)
def test_accepted_columns_are_exactly_the_documented_set(type_id):
    every = {name for names in FACTS.values() for name in names if not PLACEHOLDER.fullmatch(name)}
    every |= {
        "trace_id",
        "trace_id_status",
        "application_fee",
        "misspelt_column",
        "created_at",
        "payout_reversed_at_local",
    }
    accepted = {name for name in every if accepts(type_id, name)}
    assert accepted == set(expected_all_columns(type_id))


@pytest.mark.parametrize("type_id", FACTS)
def test_metadata_columns_only_where_the_version_lists_them(type_id):
    listed = {m[1] for name in FACTS[type_id] if (m := PLACEHOLDER.fullmatch(name))}
    for field in ("payment_metadata", "refund_metadata", "transfer_metadata"):
        assert accepts(type_id, f"{field}[order id]") == (field in listed), field
        assert not accepts(type_id, f"{field}[key")
        assert not accepts(type_id, f"{field}key]")


def test_by_id_version_3_has_no_metadata_columns_while_2_and_4_do():
    assert not accepts("payout_reconciliation.by_id.itemized.3", "payment_metadata[a]")
    assert accepts("payout_reconciliation.by_id.itemized.2", "payment_metadata[a]")
    assert accepts("payout_reconciliation.by_id.itemized.4", "payment_metadata[a]")


@pytest.mark.parametrize("type_id", FACTS)
def test_default_columns_are_documented_columns_in_documented_order(type_id):
    defaults = REPORT_TYPES[type_id].default_columns
    order = expected_all_columns(type_id)
    assert defaults == [name for name in order if name in defaults]
    assert defaults == DEFAULTS[type_id]


def test_known_defaults_are_those_of_real_default_downloads():
    assert REPORT_TYPES["balance_change_from_activity.itemized.1"].default_columns == NINE
    assert REPORT_TYPES["payouts.itemized.1"].default_columns == PAYOUTS_DEFAULT
    assert REPORT_TYPES["payouts.itemized.3"].default_columns == PAYOUTS_DEFAULT_LOCAL


def test_versions_are_not_supersets_as_the_pages_say():
    columns = {type_id: set(report.column_names) for type_id, report in REPORT_TYPES.items()}
    dropped = columns["payout_reconciliation.itemized.3"] - columns["payout_reconciliation.itemized.4"]
    assert len(dropped) == 23
    assert dropped <= columns["payout_reconciliation.itemized.5"]
    # The pages' 25 entries dropped from ending balance .2 to .3 include the three metadata placeholders.
    ending = columns["ending_balance_reconciliation.itemized.2"] - columns["ending_balance_reconciliation.itemized.3"]
    assert len(ending) == 22
    # Without a timezone the payout time has no `_utc` twin: it is UTC under its bare name.
    assert "automatic_payout_effective_at_utc" not in columns["payout_reconciliation.itemized.3"]
    assert "payout_reversed_at_utc" not in columns["payouts.itemized.2"]


@pytest.mark.django_db
@pytest.mark.parametrize("type_id", ["balance_change_from_activity.itemized.3", "payout_reconciliation.itemized.5"])
def test_the_widest_request_allowed_runs(golden_account, type_id):
    """Every column and the most metadata columns accepted: the run writes them (SQLite's expression depth holds)."""
    report = REPORT_TYPES[type_id]
    keys = [f"payment_metadata[k{i}]" for i in range(MAX_METADATA_COLUMNS - 1)] + ["payment_metadata[order_id]"]
    names = [*report.column_names, *keys]
    ColumnsField(report).clean(names)
    run = ReportRunFactory(
        account=golden_account,
        report_type_id=type_id,
        parameters={"interval_start": MARCH_START, "interval_end": APRIL_START, "columns": names},
    )
    out = io.BytesIO()

    count = report.write(params_for(run), out)

    lines = out.getvalue().decode().splitlines()
    assert lines[0] == ",".join(f'"{name}"' for name in names)
    assert count == len(lines) - 1 > 0
    # The payment_metadata order_id of txn_usd_02 (activity) or txn_usd_05 (settled by po_usd_failed).
    assert any('"A-1"' in line or '"C-3"' in line for line in lines[1:])
