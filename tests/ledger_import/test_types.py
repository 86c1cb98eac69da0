"""Balance transaction types and categories, and the order and destination payment behind a transaction."""

from __future__ import annotations

import pytest
from django.core.management import CommandError

from reporting.categories import REPORTING_CATEGORIES, TYPES

from .conftest import BALANCE_HEADER, BALANCE_ROWS, csv, ledger_state, txn, with_cell

pytestmark = pytest.mark.django_db

HEADER = ["balance_transaction_id", "created_utc", "available_on_utc", "currency", "gross", "fee", "net"]


def line(stripe_id: str, gross: str, *rest: str | None) -> list[str | None]:
    return [stripe_id, "2025-03-01 10:00:00", "2025-03-03 00:00:00", "usd", gross, "0.00", gross, *rest]


# The type column -----------------------------------------------------------------------------------


def test_a_type_column_is_stored_beside_the_files_category(load, fresh):
    rows = [
        line("txn_1", "10.00", "payment", "charge"),
        # The page maps adjustments to disputes and other adjustments; Stripe's fee ones are `fee`.
        line("txn_2", "-2.00", "adjustment", "fee"),
        line("txn_3", "-1.00", "stripe_fx_fee", "fee"),  # a type the page does not list
        line("txn_4", "-1.00", "", "refund"),  # no type: the category's usual one
    ]

    load(fresh, csv([*HEADER, "type", "reporting_category"], *rows))

    stored = [(txn(f"txn_{i}").type, txn(f"txn_{i}").reporting_category) for i in range(1, 5)]
    assert stored == [("payment", "charge"), ("adjustment", "fee"), ("stripe_fx_fee", "fee"), ("refund", "refund")]


def test_a_file_with_types_and_no_categories_gets_them_derived(load, fresh):
    rows = [
        line("txn_1", "10.00", "payment", "py_1"),
        line("txn_2", "-10.00", "adjustment", "du_1"),  # a dispute takes the money
        line("txn_3", "10.00", "adjustment", "du_1"),  # and gives it back when won
        line("txn_4", "-3.00", "adjustment", "adj_1"),
        line("txn_5", "-3.00", "reserved_funds", None),
        line("txn_6", "2.00", "transferred_to_balance_transaction", None),
    ]

    output = load(fresh, csv([*HEADER, "type", "source_id"], *rows))

    assert "6 added" in output
    categories = [txn(f"txn_{i}").reporting_category for i in range(1, 7)]
    assert categories == [
        "charge",
        "dispute",
        "dispute_reversal",
        "other_adjustment",
        "risk_reserved_funds",
        "unreconciled_customer_funds",
    ]
    assert txn("txn_2").type == "adjustment"


def test_a_derived_category_is_compared_with_the_ledger_by_its_type_column(load, fresh):
    load(fresh, csv([*HEADER, "reporting_category"], line("txn_1", "10.00", "refund")))

    with pytest.raises(CommandError, match="line 2, column type: txn_1 is in the ledger with type 'refund', not"):
        load(fresh, csv([*HEADER, "type"], line("txn_1", "10.00", "payment")))


def test_a_later_file_with_the_exact_type_adds_nothing_and_keeps_the_first(load, fresh):
    """A category-only import stores the usual type (a card charge); a file naming `payment` agrees with it."""
    load(fresh, csv([*HEADER, "reporting_category"], line("txn_1", "10.00", "charge")))

    output = load(fresh, csv([*HEADER, "type"], line("txn_1", "10.00", "payment")))

    assert "0 added, 1 already in the ledger" in output
    assert txn("txn_1").type == "charge"


BAD = {
    "an unknown type without a category": (
        csv([*HEADER, "type"], line("txn_1", "1.00", "stripe_fx_fee")),
        "line 2, column type: unknown balance transaction type 'stripe_fx_fee'; give the file a reporting_category",
    ),
    "an empty type without a category": (
        csv([*HEADER, "type"], line("txn_1", "1.00", "")),
        "line 2, column type: empty; a value is required",
    ),
    "neither a type nor a category": (
        csv(HEADER, line("txn_1", "1.00")),
        "line 1, column reporting_category: missing; a balance_change_from_activity.itemized file needs it "
        "(or a type column to derive it from)",
    ),
    "a type too long for the ledger": (
        csv([*HEADER, "type"], line("txn_1", "1.00", "x" * 65)),
        "line 2, column type: longer than 64 characters",
    ),
}


@pytest.mark.parametrize(("data", "message"), list(BAD.values()), ids=list(BAD))
def test_a_bad_type_stops_the_import(load, fresh, data, message):
    before = ledger_state()

    with pytest.raises(CommandError) as error:
        load(fresh, data)

    assert message in str(error.value)
    assert ledger_state() == before


@pytest.mark.parametrize("category", REPORTING_CATEGORIES)
def test_every_category_imports_with_its_usual_type(load, fresh, category):
    load(fresh, csv([*HEADER, "reporting_category"], line("txn_1", "-1.00", category)))

    assert (txn("txn_1").reporting_category, txn("txn_1").type) == (category, TYPES[category])


# order_id and destination_payment_id -------------------------------------------------------------

IDS_HEADER = [*BALANCE_HEADER, "order_id", "destination_payment_id"]
IDS_ROWS = [
    [*BALANCE_ROWS[0], "order_1", None],
    [*BALANCE_ROWS[1], "order_1", None],
    [*BALANCE_ROWS[2], "", None],
    [*BALANCE_ROWS[3][:7], "transfer", "tr_1", *BALANCE_ROWS[3][9:], None, "py_1"],
]


def test_the_order_and_the_destination_payment_land_in_their_fields(load, fresh):
    load(fresh, csv(IDS_HEADER, *IDS_ROWS))

    orders = [txn(f"txn_{i}").order_id for i in range(1, 5)]
    assert orders == ["order_1", "order_1", "", None]
    assert [txn(f"txn_{i}").destination_payment_id for i in range(1, 5)] == [None, None, None, "py_1"]


@pytest.mark.parametrize(
    ("column", "line_", "value"), [("order_id", 2, "order_2"), ("destination_payment_id", 5, "py_2")]
)
def test_another_order_or_destination_payment_than_the_ledgers_is_an_error(load, fresh, column, line_, value):
    load(fresh, csv(IDS_HEADER, *IDS_ROWS))
    before = ledger_state()

    with pytest.raises(CommandError, match=f"line {line_}, column {column}: txn_{line_ - 1} is in the ledger with"):
        load(fresh, with_cell(line_, column, value, IDS_HEADER, IDS_ROWS))

    assert ledger_state() == before


def test_an_order_the_ledger_does_not_know_is_not_an_error(load, fresh):
    """An older export without the column left the ledger's field empty: a later one may name it."""
    load(fresh, csv(BALANCE_HEADER, *BALANCE_ROWS))

    output = load(fresh, csv(IDS_HEADER, *[[*row[:-2], "order_9", "py_9"] for row in IDS_ROWS[:3]]))

    assert "0 added, 3 already in the ledger" in output
    assert txn("txn_1").order_id is None
