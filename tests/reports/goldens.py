"""The golden files: where they are, the months they cover, and the newer report types' runs that write them.

Each entry of GOLDEN_RUNS: report type, file in golden/, and the run's parameters as the API
takes them (unix seconds). Every file was written by hand (golden/README.md);
test_golden.py checks the product writes them byte for byte, and
test_reference.py that the reference generator does too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "golden"

MARCH_START = 1740787200  # 2025-03-01 00:00:00 UTC
APRIL_START = 1743465600  # 2025-04-01 00:00:00 UTC
MAY_START = 1746057600  # 2025-05-01 00:00:00 UTC


def golden(name: str) -> str:
    return (GOLDEN / name).read_bytes().decode("utf-8")


MARCH: dict[str, Any] = {"interval_start": MARCH_START, "interval_end": APRIL_START}
APRIL: dict[str, Any] = {"interval_start": APRIL_START, "interval_end": MAY_START}
MARCH_13 = 1741824000  # 2025-03-13 00:00:00 UTC
NEW_YORK = {"timezone": "America/New_York"}  # EST until 2025-03-09 07:00 UTC, then EDT

GOLDEN_RUNS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "balance_change_from_activity.itemized.2",
        "balance_change_itemized_v2_2025-03_usd.csv",
        {
            **MARCH,
            "currency": "usd",
            "decimal_separator": ",",
            "columns": [
                "balance_transaction_id",
                "gross",
                "fee",
                "net",
                "source_id",
                "customer_facing_amount",
                "customer_facing_currency",
                "customer_name",
                "customer_address_line2",
                "customer_address_city",
                "charge_id",
                "charge_created_utc",
                "is_link",
                "automatic_payout_id",
                "trace_id",
                "payment_metadata[order_id]",
                "refund_metadata[reason]",
            ],
        },
    ),
    (
        "balance_change_from_activity.itemized.3",
        "balance_change_itemized_v3_2025-03_new_york.csv",
        {
            **MARCH,
            **NEW_YORK,
            "columns": [
                "balance_transaction_id",
                "created_utc",
                "created",
                "available_on",
                "charge_created",
                "currency",
                "net",
                "reporting_category",
                "is_link",
                "card_brand",
                "payment_metadata[order_id]",
                "payment_metadata[Channel]",
            ],
        },
    ),
    (
        "payouts.itemized.2",
        "payouts_itemized_v2_2025-03.csv",
        {
            **MARCH,
            "decimal_separator": ",",
            "columns": [
                "payout_id",
                "effective_at_utc",
                "currency",
                "gross",
                "net",
                "payout_status",
                "payout_reversed_at",  # no `_utc` twin in this version: in UTC
                "regulatory_tag",
            ],
        },
    ),
    (
        "payouts.itemized.3",
        "payouts_itemized_v3_2025-03_new_york.csv",
        {
            **MARCH,
            **NEW_YORK,
            "columns": [
                "payout_id",
                "effective_at_utc",
                "effective_at",
                "net",
                "reporting_category",
                "payout_expected_arrival_date",
                "payout_status",
                "payout_reversed_at",
                "application_fee",
            ],
        },
    ),
    ("payout_reconciliation.summary.1", "payout_reconciliation_summary_2025-03.csv", MARCH),
    ("payout_reconciliation.summary.1", "payout_reconciliation_summary_2025-04.csv", APRIL),
    ("payout_reconciliation.itemized.1", "payout_reconciliation_itemized_v1_2025-03.csv", MARCH),
    (
        "payout_reconciliation.itemized.2",
        "payout_reconciliation_itemized_v2_2025-04.csv",
        {
            **APRIL,
            "decimal_separator": ",",
            "columns": [
                "automatic_payout_id",
                "balance_transaction_id",
                "net",
                "reporting_category",
                "charge_id",
                "card_funding",
                "payment_metadata[order_id]",
                "refund_metadata[reason]",
            ],
        },
    ),
    (
        "payout_reconciliation.itemized.3",
        "payout_reconciliation_itemized_v3_2025-03.csv",
        {
            **MARCH,
            "columns": [
                "automatic_payout_id",
                "automatic_payout_effective_at",  # in UTC: this version takes no timezone
                "balance_transaction_id",
                "net",
                "trace_id",
                "trace_id_status",
                "order_id",
            ],
        },
    ),
    (
        "payout_reconciliation.itemized.4",
        "payout_reconciliation_itemized_v4_2025-04_new_york.csv",
        {**APRIL, **NEW_YORK},
    ),
    (
        "payout_reconciliation.itemized.5",
        "payout_reconciliation_itemized_v5_2025-03_tokyo.csv",
        {
            **MARCH,
            "timezone": "Asia/Tokyo",
            "columns": [
                "automatic_payout_id",
                "automatic_payout_effective_at",
                "balance_transaction_id",
                "created",
                "charge_created",
                "gross",
                "order_id",
                "destination_payment_id",
                "regulatory_tag",
                "connected_account_direct_charge_id",
            ],
        },
    ),
    (
        "payout_reconciliation.by_id.summary.1",
        "payout_reconciliation_by_id_summary_po_usd_auto_mar.csv",
        {"payout": "po_usd_auto_mar"},
    ),
    (
        "payout_reconciliation.by_id.itemized.1",
        "payout_reconciliation_by_id_itemized_v1_po_usd_auto_mar.csv",
        {"payout": "po_usd_auto_mar"},
    ),
    (
        "payout_reconciliation.by_id.itemized.2",
        "payout_reconciliation_by_id_itemized_v2_po_usd_auto_mar_charge.csv",
        {
            "payout": "po_usd_auto_mar",
            "reporting_category": "charge",
            "decimal_separator": ",",
            "columns": [
                "balance_transaction_id",
                "gross",
                "customer_facing_amount",
                "customer_facing_currency",
                "customer_id",
                "is_link",
                "card_brand",
                "payment_metadata[order_id]",
                "payment_metadata[Channel]",
            ],
        },
    ),
    (
        "payout_reconciliation.by_id.itemized.3",
        "payout_reconciliation_by_id_itemized_v3_po_usd_auto_feb.csv",
        {"payout": "po_usd_auto_feb"},
    ),
    (
        "payout_reconciliation.by_id.itemized.4",
        "payout_reconciliation_by_id_itemized_v4_po_usd_failed_new_york.csv",
        {"payout": "po_usd_failed", **NEW_YORK},
    ),
    ("ending_balance_reconciliation.summary.1", "ending_balance_summary_2025-03-31.csv", {"interval_end": APRIL_START}),
    (
        "ending_balance_reconciliation.itemized.1",
        "ending_balance_itemized_v1_2025-03-31.csv",
        {"interval_end": APRIL_START},
    ),
    (
        "ending_balance_reconciliation.itemized.2",
        "ending_balance_itemized_v2_2025-03-12_usd.csv",
        {
            "interval_end": MARCH_13,
            "currency": "usd",
            "columns": [
                "balance_transaction_id",
                "net",
                "automatic_payout_id",
                "automatic_payout_effective_at",  # in UTC: this version takes no timezone
                "trace_id",
                "payment_metadata[order_id]",
            ],
        },
    ),
    (
        "ending_balance_reconciliation.itemized.3",
        "ending_balance_itemized_v3_2025-03-31_new_york_usd.csv",
        {"interval_end": APRIL_START, "currency": "usd", **NEW_YORK},
    ),
    (
        "ending_balance_reconciliation.itemized.4",
        "ending_balance_itemized_v4_2025-03-31_berlin.csv",
        {
            "interval_end": APRIL_START,
            "timezone": "Europe/Berlin",  # CET, then CEST from 2025-03-30 01:00 UTC
            "decimal_separator": ",",
            "columns": [
                "balance_transaction_id",
                "created",
                "automatic_payout_effective_at",
                "currency",
                "net",
                "reporting_category",
                "refund_metadata[reason]",
            ],
        },
    ),
]
