"""Cells: a bad value names its line and column; one decimal mark per file."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError

from reporting.models import BalanceTransaction

from .conftest import WIDE_HEADER, WIDE_ROWS, with_cell

pytestmark = pytest.mark.django_db


WIDE_BAD = {
    "is_link": ("yes", "line 3, column is_link: 'yes' is not a boolean (true or false)"),
    "application_fee": ("0.505", "line 3, column application_fee: '0.505' has more decimals than usd allows"),
    "charge_created": ("2025-03-01", "line 3, column charge_created: '2025-03-01' is not a timestamp"),
    "card_address_line1": ("x" * 257, "line 3, column card_address_line1: longer than 256 characters"),
}


@pytest.mark.parametrize(("column", "value", "message"), [(c, *v) for c, v in WIDE_BAD.items()], ids=list(WIDE_BAD))
def test_a_bad_wide_cell_names_its_line_and_column(load, fresh, column, value, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        load(fresh, with_cell(3, column, value, WIDE_HEADER, WIDE_ROWS))

    assert not BalanceTransaction.objects.exists()


def test_a_file_mixing_decimal_marks_is_refused(load, fresh):
    data = with_cell(3, "gross", "-10,50")

    with pytest.raises(CommandError) as error:
        load(fresh, data)

    message = "line 3, column gross: '-10,50' has ',' as decimal mark where line 2, column gross has '.'"
    assert message in str(error.value)
