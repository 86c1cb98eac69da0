"""Text cells come back as they were, from a file written spreadsheet-safe or Stripe-exact, when read in its form."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from reporting import tasks
from reporting.ledger_import import parse
from reporting.models import CellFormat, Event
from reporting.reports import Params
from reporting.reports.formats import metadata, text
from reporting.spreadsheet import is_protected, protect

from .conftest import BALANCE_HEADER, BALANCE_ROWS, csv, txn, with_cell

HEADER = [
    "balance_transaction_id",
    "created_utc",
    "available_on_utc",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "description",
    "customer_name",
    "payment_metadata[order_id]",
]
# Any text, often starting with the characters the rule looks at.
values = st.one_of(
    st.builds(str.__add__, st.text(alphabet="'=+-@\t\r a", max_size=4), st.text(max_size=30)),
    st.text(max_size=30),
)


def exported(value: str, *, safe: bool) -> str:
    """A balance file of one row whose text cells hold `value`, formatted as a run writes them."""
    params = Params(account_id="acct_1", livemode=False, spreadsheet_safe=safe)
    row = {"description": value, "customer_name": value, "payment_metadata": {"order_id": value}}
    cells = [
        text("description")(row, params),
        text("customer_name")(row, params),
        metadata("payment_metadata", "order_id")(row, params),
    ]
    fixed = ["txn_1", "2025-03-01 10:00:00", "2025-03-03 00:00:00", "usd", "-10.50", "0.00", "-10.50", "charge"]
    return csv(HEADER, [*fixed, *cells])


def read_back(data: str, *, safe: bool) -> tuple[str, str, str]:
    details = parse(data, spreadsheet_safe=safe).txns[0].details
    return details["description"], details["customer_name"], details["payment_metadata"]["order_id"]


@pytest.mark.parametrize("safe", [True, False], ids=["spreadsheet-safe", "stripe-exact"])
@given(value=values)
@example(value='=HYPERLINK("http://evil.example/x","click")')
@example(value="@SUM(1+1)*cmd|' /C calc'!A0")
@example(value="'=already quoted")
@example(value="'")
def test_a_file_read_in_its_own_form_gives_back_every_text(safe, value):
    data = exported(value, safe=safe)

    assert read_back(data, safe=safe) == (value, value, value)
    # The result mentions ' cells exactly when the file has some (the only cells the forms read apart).
    cell = protect(value) if safe else value
    assert bool(parse(data, spreadsheet_safe=safe).notes) == is_protected(cell)


def test_the_wrong_form_changes_only_quoted_cells_and_says_so():
    value = '=HYPERLINK("http://evil.example/x","click")'
    safe_file = exported(value, safe=True)
    exact_file = exported("'" + value, safe=False)  # a genuine value with a quote in front

    # Read as Stripe-exact, a safe file keeps its quotes; read as safe, an exact one loses one.
    assert read_back(safe_file, safe=False) == ("'" + value,) * 3
    assert read_back(exact_file, safe=True) == (value,) * 3
    [kept] = parse(safe_file, spreadsheet_safe=False).notes
    [dropped] = parse(exact_file, spreadsheet_safe=True).notes
    assert kept.startswith("3 text cell(s) starting with ' ")
    assert "kept as written" in kept
    assert dropped.startswith("3 text cell(s) starting with ' ")
    assert "read without that first '" in dropped
    # Nothing to tell apart, nothing said: amounts like -10.50 are not text.
    assert parse(exported(value, safe=False), spreadsheet_safe=True).notes == []


QUOTED = with_cell(2, "description", "'=1+1")


def test_the_command_reads_the_accounts_form_unless_told(load, fresh):
    output = load(fresh, QUOTED)

    assert txn("txn_1", account=fresh).description == "=1+1"
    assert "read without that first '" in output
    event = Event.objects.get(action=Event.Action.LEDGER_IMPORTED)
    assert event.data["cell_format"] == CellFormat.SPREADSHEET_SAFE


@pytest.mark.parametrize("how", ["flag", "account"])
def test_the_command_reads_stripe_exact_when_told_or_set(load, fresh, how):
    args = ["--cells", "stripe_exact"] if how == "flag" else []
    if how == "account":
        fresh.cell_format = CellFormat.STRIPE_EXACT
        fresh.save()

    output = load(fresh, QUOTED, *args)

    assert txn("txn_1", account=fresh).description == "'=1+1"
    assert "kept as written" in output


def test_the_admin_upload_offers_the_form(admin_client, fresh):
    fresh.cell_format = CellFormat.STRIPE_EXACT
    fresh.save()
    url = reverse("admin:reporting_balancetransaction_import")
    page = admin_client.get(url).content.decode()
    assert 'name="cells"' in page
    assert "The account&#x27;s setting" in page

    # The queued import runs here once the upload commits, as a worker would.
    with (
        mock.patch.object(tasks.import_ledger_file, "delay", side_effect=tasks.import_ledger_file),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        response = admin_client.post(
            url,
            {
                "account": fresh.pk,
                "mode": "test",
                "cells": "spreadsheet_safe",
                "file": SimpleUploadedFile("march.csv", QUOTED.encode(), content_type="text/csv"),
            },
        )

    assert response.status_code == 302
    assert txn("txn_1", account=fresh).description == "=1+1"


def test_stripes_own_file_reads_the_same_in_both_forms():
    """A file without ' cells (Stripe's samples) is read alike whichever form is chosen."""
    data = csv(BALANCE_HEADER, *BALANCE_ROWS)

    assert parse(data, spreadsheet_safe=True).txns == parse(data, spreadsheet_safe=False).txns
