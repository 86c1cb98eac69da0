"""Each column's value for one transaction, formatted the plain way."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from reporting.models import BalanceTransaction
from reporting.reports import Params

from .catalogue import ADDRESS_COLUMNS, ITEMIZED_TYPES
from .formatting import amount, empty_is_null, plain, spreadsheet_safe, truth, when


def _payout_field(txn: BalanceTransaction, relation: str, name: str) -> Any:
    payout = getattr(txn, relation)
    return None if payout is None else getattr(payout, name)


Cell = Callable[[BalanceTransaction, Params], str | None]
METADATA = re.compile(r"(payment_metadata|refund_metadata|transfer_metadata)\[(.+)\]", re.DOTALL)
# Cells that are numbers, times or booleans: the spreadsheet-safe form leaves them alone.
NOT_TEXT: set[Cell] = set()


def _not_text(cell: Cell) -> Cell:
    NOT_TEXT.add(cell)
    return cell


def _money(field: str, currency_field: str = "currency", sign: int = 1) -> Cell:
    def cell(t: BalanceTransaction, p: Params) -> str | None:
        value = getattr(t, field)
        return amount(None if value is None else sign * value, getattr(t, currency_field), p.decimal_separator)

    return _not_text(cell)


def _utc(get: Callable[[BalanceTransaction], datetime | None]) -> Cell:
    return _not_text(lambda t, p: when(get(t)))


def _local(get: Callable[[BalanceTransaction], datetime | None]) -> Cell:
    return _not_text(lambda t, p: when(get(t), p.timezone))


def _text(field: str) -> Cell:
    return lambda t, p: plain(getattr(t, field))


def _arrival(t: BalanceTransaction) -> datetime | None:
    return _payout_field(t, "automatic_payout", "effective_at")


TRANSACTION_CELLS: dict[str, Cell] = {
    "balance_transaction_id": lambda t, p: plain(t.stripe_id),
    "created_utc": _utc(lambda t: t.created),
    "created": _local(lambda t: t.created),
    "available_on_utc": _utc(lambda t: t.available_on),
    "available_on": _local(lambda t: t.available_on),
    "currency": _text("currency"),
    "gross": _money("amount"),
    "fee": _money("fee"),
    "net": _money("net"),
    "reporting_category": _text("reporting_category"),
    "source_id": lambda t, p: empty_is_null(t.source_id),
    "description": _text("description"),
    "customer_facing_amount": _money("customer_facing_amount", "customer_facing_currency"),
    "customer_facing_currency": _text("customer_facing_currency"),
    # The bank trace of the automatic payout that settled the transaction.
    "trace_id": lambda t, p: empty_is_null(_payout_field(t, "automatic_payout", "trace_id")),
    "trace_id_status": lambda t, p: empty_is_null(_payout_field(t, "automatic_payout", "trace_id_status")),
    "automatic_payout_id": lambda t, p: plain(_payout_field(t, "automatic_payout", "stripe_id")),
    "automatic_payout_effective_at_utc": _utc(_arrival),
    "automatic_payout_effective_at": _local(_arrival),
    **{name: _text(name) for name in ("customer_id", "customer_email", "customer_name", "customer_description")},
    **{name: _text(name) for name in ADDRESS_COLUMNS},
    "charge_id": _text("charge_id"),
    "payment_intent_id": _text("payment_intent_id"),
    "charge_created_utc": _utc(lambda t: t.charge_created),
    "charge_created": _local(lambda t: t.charge_created),
    **{name: _text(name) for name in ("invoice_id", "invoice_number", "subscription_id", "payment_method_type")},
    "is_link": _not_text(lambda t, p: truth(t.is_link)),
    **{
        name: _text(name)
        for name in (
            "card_brand",
            "card_funding",
            "card_country",
            "statement_descriptor",
            "dispute_reason",
            "connected_account_id",
            "connected_account_name",
            "connected_account_country",
            "connected_account_direct_charge_id",
            "order_id",
            "destination_payment_id",
        )
    },
    "application_fee": _money("application_fee"),
    "regulatory_tag": _text("regulatory_tag"),
}

PAYOUT_CELLS: dict[str, Cell] = {
    "payout_id": lambda t, p: plain(_payout_field(t, "payout", "stripe_id")),
    "effective_at_utc": _utc(lambda t: t.effective_at),
    "effective_at": _local(lambda t: t.effective_at),
    "currency": _text("currency"),
    "gross": _money("amount", sign=-1),
    "fee": _money("fee", sign=-1),
    "net": _money("net", sign=-1),
    "reporting_category": _text("reporting_category"),
    "balance_transaction_id": lambda t, p: plain(t.stripe_id),
    "description": _text("description"),
    "payout_expected_arrival_date": _utc(lambda t: _payout_field(t, "payout", "arrival_date")),
    "payout_status": lambda t, p: plain(_payout_field(t, "payout", "status")),
    "payout_reversed_at_utc": _utc(lambda t: _payout_field(t, "payout", "reversed_at")),
    "payout_reversed_at": _local(lambda t: _payout_field(t, "payout", "reversed_at")),
    "payout_type": lambda t, p: plain(_payout_field(t, "payout", "type")),
    "payout_description": lambda t, p: plain(_payout_field(t, "payout", "description")),
    "payout_destination_id": lambda t, p: empty_is_null(_payout_field(t, "payout", "destination_id")),
    "trace_id": lambda t, p: empty_is_null(_payout_field(t, "payout", "trace_id")),
    "trace_id_status": lambda t, p: empty_is_null(_payout_field(t, "payout", "trace_id_status")),
    # The payout's own balance transaction's fields, as stored (not flipped to the bank side).
    "regulatory_tag": _text("regulatory_tag"),
    "application_fee": _money("application_fee"),
}


def _metadata(t: BalanceTransaction, field: str, key: str) -> str | None:
    values = getattr(t, field)
    if values is None or key not in values:
        return None
    return plain(values[key])


def _in_utc(cell: Cell) -> Cell:
    return lambda t, p: cell(t, replace(p, timezone=UTC))


def _text_cell(cell: Cell) -> Cell:
    """Text, spreadsheet-safe when the run asks for it (the default)."""
    return lambda t, p: spreadsheet_safe(cell(t, p)) if p.spreadsheet_safe else cell(t, p)


def cell_for(report_type: str, name: str) -> Cell:
    """The column's cell; a version without `timezone` writes its bare-named times in UTC."""
    spec = ITEMIZED_TYPES[report_type]
    match = METADATA.fullmatch(name)
    if match and match[1] in spec.metadata:
        field, key = match[1], match[2]
        return _text_cell(lambda t, p: _metadata(t, field, key))
    if name not in spec.columns:
        raise ValueError(f"{report_type} has no column {name!r}")
    cell = PAYOUT_CELLS[name] if spec.rows == "payouts" else TRANSACTION_CELLS[name]
    if cell not in NOT_TEXT:
        cell = _text_cell(cell)
    return cell if spec.timezone else _in_utc(cell)
