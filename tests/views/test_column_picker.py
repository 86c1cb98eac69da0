"""The new-run form's column picker: default columns and their order, and metadata key columns."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from reporting.forms import RunRequestForm
from reporting.models import ReportRun
from reporting.reports import REPORT_TYPES
from tests.views.conftest import HX, create_url, posted

pytestmark = pytest.mark.django_db


# The registry's metadata-column type.
METADATA = "balance_change_from_activity.itemized.2"


def column_list(body):
    picker = body[body.index('class="column-list"') :]
    picker = picker[: picker.index("</ol>")]
    return re.findall(r'name="columns" value="([^"]+)" id="[^"]+"( checked)?', picker)


def test_column_picker_lists_default_columns_checked_in_default_order_then_the_rest():
    report = REPORT_TYPES["payouts.itemized.1"]
    form = RunRequestForm(
        report_types=list(REPORT_TYPES),
        user_timezone="Etc/UTC",
        availability=(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 12, 1, tzinfo=UTC)),
        currencies=["usd"],
        today=datetime(2025, 11, 15, tzinfo=UTC).date(),
        switch_to={"report_type": "payouts.itemized.1"},
    )

    items = form.column_items()
    assert [item.name for item in items if item.checked] == report.default_columns
    assert [item.name for item in items] == report.default_columns + [
        c for c in report.column_names if c not in report.default_columns
    ]


def test_column_picker_renders_checkboxes_with_move_buttons(analyst_client):
    body = analyst_client.get(create_url(report_type="payouts.itemized.1"), headers=HX).content.decode()

    columns = column_list(body)
    report = REPORT_TYPES["payouts.itemized.1"]
    assert [name for name, checked in columns if checked] == report.default_columns
    assert len(columns) == len(report.column_names)
    assert 'aria-label="Move payout_id up"' in body
    assert 'aria-label="Move payout_id down"' in body


def test_picker_items_carry_the_default_set_and_declared_order_for_the_default_button(analyst_client):
    """column_picker.js's "Default columns" reads these: the server's defaults, in the server's order."""
    report = REPORT_TYPES["payout_reconciliation.itemized.5"]
    data = {"report_type": report.id, "start_date": "2025-09-30", "end_date": "2025-09-01"}
    chosen = ["net", "payment_metadata[order_id]", "automatic_payout_id"]

    body = posted(analyst_client, {**data, "columns": chosen}).content.decode()  # refused: shown again

    picker = body[body.index('class="column-list"') : body.index("</ol>")]
    items = re.findall(
        r'<li((?: data-\w+="\d+")*)>\s*<span class="column-row">\s*<span class="drag-handle"[^>]*>[^<]*</span>\s*<input [^>]*value="([^"]+)"',
        picker,
    )
    attrs = {name: dict(re.findall(r'data-(\w+)="(\d+)"', found)) for found, name in items}
    assert [name for name, _ in column_list(body)][:3] == chosen
    assert len(attrs) == len(report.column_names) + 1
    defaults = sorted((int(a["default"]), name) for name, a in attrs.items() if "default" in a)
    assert [name for _, name in defaults] == report.default_columns
    assert attrs["payment_metadata[order_id]"] == {}  # added by the user: neither a default nor declared
    assert {name: int(a["declared"]) for name, a in attrs.items() if "declared" in a} == {
        name: i for i, name in enumerate(report.column_names)
    }


def test_the_picker_filter_is_never_submitted(analyst_client):
    """The filter box has no name (a named one would be refused as an unknown parameter)."""
    body = analyst_client.get(create_url(report_type="payouts.itemized.1"), headers=HX).content.decode()

    search = re.search(r'<input type="search"[^>]*>', body)
    assert search is not None
    assert "data-column-filter" in search[0]
    assert "name=" not in search[0]
    count = len(REPORT_TYPES["payouts.itemized.1"].column_names)
    assert f">{count} of {count} columns shown</p>" in body


def test_columns_are_stored_in_the_order_submitted(analyst_client):
    data = {
        "report_type": "payouts.itemized.1",
        "start_date": "2025-09-01",
        "end_date": "2025-09-30",
        "columns": ["net", "payout_id", "currency"],
    }

    response = posted(analyst_client, data)

    assert response.status_code == 302, response.context["form"].errors
    assert ReportRun.objects.get().parameters["columns"] == ["net", "payout_id", "currency"]


def test_untouched_default_columns_and_decimal_mark_are_not_stored(analyst_client):
    data = {
        "report_type": "payouts.itemized.1",
        "start_date": "2025-09-01",
        "end_date": "2025-09-30",
        "columns": REPORT_TYPES["payouts.itemized.1"].default_columns,
        "decimal_separator": ".",
    }

    response = posted(analyst_client, data)

    assert response.status_code == 302, response.context["form"].errors
    assert set(ReportRun.objects.get().parameters) == {"interval_start", "interval_end"}


def test_a_rejected_form_keeps_the_chosen_column_order(analyst_client):
    data = {
        "report_type": "payouts.itemized.1",
        "start_date": "2025-09-30",
        "end_date": "2025-09-01",
        "columns": ["net", "payout_id"],
    }

    body = posted(analyst_client, data).content.decode()

    assert column_list(body)[:3] == [("net", " checked"), ("payout_id", " checked"), ("effective_at_utc", "")]


def test_metadata_columns_are_offered_as_an_add_box(analyst_client):

    body = analyst_client.get(create_url(report_type=METADATA), headers=HX).content.decode()

    assert sorted(name for name, _ in column_list(body)) == sorted(REPORT_TYPES[METADATA].column_names)
    add_box = body[body.index('id="metadata-prefix"') :]
    add_box = add_box[: add_box.index("</select>")]
    assert re.findall(r'<option value="(\w+)">', add_box) == [
        "payment_metadata",
        "refund_metadata",
        "transfer_metadata",
    ]
    assert 'id="metadata-key"' in body
    assert 'name="metadata' not in body  # the add box itself is never submitted


def test_metadata_key_columns_are_stored_in_order(analyst_client):
    data = {"report_type": METADATA, "start_date": "2025-09-01", "end_date": "2025-09-30"}

    good = posted(analyst_client, {**data, "columns": ["payment_metadata[order_id]", "currency"]})
    bad = posted(analyst_client, {**data, "columns": ["payment_metadata_order_id"]})

    assert good.status_code == 302
    assert ReportRun.objects.get().parameters["columns"] == ["payment_metadata[order_id]", "currency"]
    assert bad.status_code == 400
    assert "payment_metadata_order_id" in " ".join(bad.context["form"].errors["columns"])


def test_types_without_metadata_columns_refuse_metadata_keys(analyst_client):
    data = {"report_type": "payouts.itemized.1", "start_date": "2025-09-01", "end_date": "2025-09-30"}

    response = posted(analyst_client, {**data, "columns": ["payment_metadata[order_id]"]})
    body = analyst_client.get(create_url(report_type="payouts.itemized.1"), headers=HX).content.decode()

    assert response.status_code == 400
    assert "columns" in response.context["form"].errors
    assert 'id="metadata-key"' not in body
