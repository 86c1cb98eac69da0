"""Bad `columns` get a 400 that names the column and the type, and create nothing; the limits hold."""

from __future__ import annotations

import pytest

from reporting.models import ReportRun
from reporting.parameters import MAX_METADATA_COLUMNS

from .conftest import SEPT, create

pytestmark = pytest.mark.django_db

ITEMIZED_2 = "balance_change_from_activity.itemized.2"
KEY_41 = "k" * 41


def columns(*names: str) -> dict[str, str]:
    return {f"parameters[columns][{i}]": name for i, name in enumerate(names)}


@pytest.mark.parametrize(
    ("report_type", "names", "says"),
    [
        # A column of another version: v1 has no `dispute_reason`; v2 does.
        (
            "balance_change_from_activity.itemized.1",
            ["net", "dispute_reason"],
            "balance_change_from_activity.itemized.1 has no column 'dispute_reason' (it is a column of "
            "balance_change_from_activity.itemized.2, balance_change_from_activity.itemized.3).",
        ),
        # Version 3 of the payout reconciliation names the payout time without `_utc`.
        (
            "payout_reconciliation.itemized.3",
            ["automatic_payout_effective_at_utc"],
            "payout_reconciliation.itemized.3 has no column 'automatic_payout_effective_at_utc' (it is a column of "
            "payout_reconciliation.itemized.4, payout_reconciliation.itemized.5).",
        ),
        (ITEMIZED_2, ["net", "grosss"], f"{ITEMIZED_2} has no column 'grosss'."),
        (ITEMIZED_2, ["net", "fee", "net"], f"Column 'net' is named twice in the columns of {ITEMIZED_2}"),
        (ITEMIZED_2, ["payment_metadata[]"], "Column 'payment_metadata[]' names no metadata key"),
        (ITEMIZED_2, ["refund_metadata[ ]"], "Column 'refund_metadata[ ]' names no metadata key"),
        (
            ITEMIZED_2,
            [f"payment_metadata[{KEY_41}]"],
            f"Column 'payment_metadata[{KEY_41}]' names a metadata key longer than 40 characters",
        ),
        (
            ITEMIZED_2,
            [f"payment_metadata[k{i}]" for i in range(MAX_METADATA_COLUMNS + 1)],
            f"51 metadata columns asked for; {ITEMIZED_2} writes at most 50.",
        ),
        ("payouts.itemized.3", ["payment_metadata[order_id]"], "payouts.itemized.3 has no column 'payment_metadata"),
    ],
)
def test_bad_columns_are_refused_naming_the_column_and_the_type(api, report_type, names, says):
    response, delay = create(api, {"report_type": report_type, **SEPT, **columns(*names)})

    error = response.json()["error"]
    assert response.status_code == 400
    assert error["code"] == "parameter_invalid"
    assert error["param"] == "parameters[columns]"
    assert says in error["message"]
    assert not ReportRun.objects.exists()
    delay.assert_not_called()


def test_a_key_of_40_characters_and_50_metadata_columns_are_accepted(api):
    names = ["net", f"payment_metadata[{'k' * 40}]", *(f"refund_metadata[k{i}]" for i in range(49))]
    response, _ = create(api, {"report_type": ITEMIZED_2, **SEPT, **columns(*names)})

    assert response.status_code == 200, response.json()
    assert response.json()["parameters"]["columns"] == names
