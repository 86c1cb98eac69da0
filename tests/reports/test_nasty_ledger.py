"""Each route, and the reference itself, on a fixed ledger of awkward values."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from reporting.models import BalanceTransaction
from reporting.reports import Params, engine, get_report
from reporting.reports.formats import Formatter
from tests.factories import AccountFactory, BalanceTransactionFactory, PayoutFactory

from .fast_paths.params import ITEMIZED, METADATA_COLUMNS, PLAIN_METADATA
from .fast_paths.routes import python_fallback, sql_path_only, sql_path_where_possible, write
from .reference import reference_write
from .reference.catalogue import ACTIVITY, COLUMNS, ITEMIZED_TYPES, LOCAL_TWINS, PAYOUTS, PAYOUTS_LOCAL

pytestmark = pytest.mark.django_db


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# The route each database takes


def nasty_params(report_type: str, account_id: str, columns: list[str]) -> Params:
    """Every row of the nasty ledger that the type can show, in Berlin time (DST on 2025-03-30) where it takes one."""
    accepted = get_report(report_type).parameters
    return Params(
        account_id=account_id,
        livemode=False,
        # The ending balance before the payout of 2025-03-31 settled the rows.
        interval_start=utc(2025, 3, 1) if "interval_start" in accepted else None,
        interval_end=utc(2025, 5, 1) if "interval_start" in accepted else utc(2025, 3, 30, 1, 0, 0, 1),
        payout='po_"1"' if "payout" in accepted else None,
        timezone=ZoneInfo("Europe/Berlin" if "timezone" in accepted else "Etc/UTC"),
        decimal_separator="," if "decimal_separator" in accepted else ".",
        columns=columns,
    )


@pytest.mark.parametrize("report_type", ITEMIZED)
def test_itemized_reports_with_utc_columns_take_the_sql_path(report_type, nasty_ledger):
    spec = ITEMIZED_TYPES[report_type]
    # Local twins: in Berlin time where the version takes `timezone`; the others' bare names are UTC.
    local = (PAYOUTS_LOCAL if spec.rows == "payouts" else LOCAL_TWINS) if spec.timezone else set()
    utc_columns = [n for n in COLUMNS[report_type] if n not in local]
    params = nasty_params(report_type, nasty_ledger.id, [*utc_columns, *(PLAIN_METADATA if spec.metadata else [])])
    expected = reference_write(report_type, params)

    with sql_path_only() as fast:
        result = write(report_type, params)

    assert fast.call_count == 1
    assert result == expected
    assert result[1] > 0


@pytest.mark.parametrize("report_type", ITEMIZED)
def test_python_fallback_matches_reference(report_type, nasty_ledger):
    report = get_report(report_type)
    metadata = METADATA_COLUMNS if ITEMIZED_TYPES[report_type].metadata else []
    params = nasty_params(report_type, nasty_ledger.id, [*COLUMNS[report_type], *metadata])
    expected = reference_write(report_type, params)

    with python_fallback(report) as fallback:
        result = write(report_type, params)

    assert fallback.call_count == 1
    assert result == expected
    assert result[1] > 0


@pytest.mark.parametrize("report_type", ITEMIZED)
def test_local_times_and_any_metadata_key_match_reference_on_this_database(report_type, nasty_ledger):
    """Whatever route this database takes for local twins and awkward keys, the bytes are the reference's."""
    metadata = METADATA_COLUMNS if ITEMIZED_TYPES[report_type].metadata else []
    params = nasty_params(report_type, nasty_ledger.id, [*COLUMNS[report_type], *metadata])
    expected = reference_write(report_type, params)

    with sql_path_where_possible(report_type, params):
        result = write(report_type, params)

    assert result == expected


def test_python_fallback_is_forced_by_one_column_without_sql(nasty_ledger):
    report = get_report(ACTIVITY)
    selected = report.selected_columns

    def one_without_sql(params):
        columns = selected(params)
        columns[-1] = replace(columns[-1], format=Formatter(columns[-1].format.fields, columns[-1].format.func))
        return columns

    params = Params(
        account_id=nasty_ledger.id,
        livemode=False,
        interval_start=utc(2025, 3, 1),
        interval_end=utc(2025, 5, 1),
        columns=["net", "description", "created_utc"],
    )
    expected = reference_write(ACTIVITY, params)

    with (
        mock.patch.object(report, "selected_columns", one_without_sql),
        mock.patch.object(engine, "_python", wraps=engine._python) as fallback,
    ):
        result = write(ACTIVITY, params)

    assert fallback.call_count == 1
    assert result == expected


# A fixed ledger with every awkward value, and what the reference makes of it


@pytest.fixture
def nasty_ledger(db):
    account = AccountFactory(name="Nasty", created=utc(2025, 1, 1))
    po = PayoutFactory(
        account=account,
        stripe_id='po_"1"',
        amount=-5,
        currency="kwd",
        created=utc(2025, 3, 29, 23, 59, 59, 999999),
        arrival_date=utc(2025, 3, 31),
        effective_at=utc(2025, 3, 31),
        reversed_at=utc(2025, 4, 1, 12, 0, 0, 999999),
        status="failed",
        description='Pay, "out"\r\n',
        trace_id="",
        destination_id="ba_1",
    )
    rows = [
        ("charge", "usd", utc(2025, 3, 9, 12, 0, 0, 999999), 1050, 59, 'Order "A", large'),
        ("refund", "usd", utc(2025, 3, 9, 12, 0, 0, 999999), -5, 0, None),
        ("charge", "jpy", utc(2025, 3, 30, 0, 59, 59, 999999), 10**12, -1, ""),
        ("dispute", "kwd", utc(2025, 3, 30, 1), -1, 1000, "=1+2\nsecond line"),
        ("other_adjustment", "eur", utc(2025, 3, 30, 1, 0, 0, 1), 0, 0, "@x,\r\ny " + "z" * 300),
    ]
    for i, (category, currency, created, amount, fee, description) in enumerate(rows):
        bt = BalanceTransactionFactory(
            account=account,
            stripe_id=f"txn_{i}",
            type=category,
            reporting_category=category,
            amount=amount,
            fee=fee,
            net=amount - fee,
            currency=currency,
            created=created,
            available_on=created,
            effective_at=created,
            description=description,
            customer_facing_amount=amount if i % 2 else None,
            customer_facing_currency=currency if i % 2 else None,
            card_country="",
            charge_created=created - timedelta(hours=1) if i % 2 == 0 else None,
            is_link=[None, True, False][i % 3],
            customer_address_line2=["", None, 'Flat "2", back\r\n'][i % 3],
            application_fee=[None, 0, -7][i % 3],
            payment_metadata=[
                {"order_id": 'x"y,z\n', "a-b": "", 'we"ird': "q", "$x": None, "ключ": "значение"},
                None,
                {},
                {"a.b": "dotted", "a[b]": "bracket", "123": "digits", "*": "star"},
                {"ORDER_ID": "upper", "order_id": "lower"},
            ][i],
            refund_metadata={"Channel": "web", "sp ace": " s "} if i == 1 else None,
            transfer_metadata={"123": "t"} if i == 4 else None,
        )
        BalanceTransaction.objects.filter(pk=bt.pk).update(automatic_payout=po)
    bt = BalanceTransactionFactory(
        account=account,
        stripe_id="txn_po",
        type="payout",
        reporting_category="payout",
        amount=5,
        fee=0,
        net=5,
        currency="kwd",
        created=po.created,
        available_on=po.effective_at,
        effective_at=po.effective_at,
        description="STRIPE PAYOUT",
    )
    BalanceTransaction.objects.filter(pk=bt.pk).update(payout=po, source_id=po.stripe_id)
    return account


@pytest.mark.parametrize(("safe", "formula"), [(False, "=1+2"), (True, "'=1+2")], ids=["stripe-exact", "safe"])
def test_reference_writes_stripes_format_for_awkward_values(nasty_ledger, safe, formula):
    params = Params(
        account_id=nasty_ledger.id,
        livemode=False,
        interval_start=utc(2025, 3, 9, 12),
        interval_end=utc(2025, 3, 30, 1, 0, 0, 1),
        columns=["balance_transaction_id", "created_utc", "gross", "fee", "net", "description", "automatic_payout_id"],
        spreadsheet_safe=safe,
    )

    content, count = reference_write(ACTIVITY, params)

    # Spreadsheet-safe, only the formula-like description changes: negative amounts stay numbers.
    assert content.decode() == (
        '"balance_transaction_id","created_utc","gross","fee","net","description","automatic_payout_id"\n'
        '"txn_0","2025-03-09 12:00:00","10.50","0.59","9.91","Order ""A"", large","po_""1"""\n'
        '"txn_1","2025-03-09 12:00:00","-0.05","0.00","-0.05",,"po_""1"""\n'
        '"txn_2","2025-03-30 00:59:59","1000000000000","-1","1000000000001","","po_""1"""\n'
        f'"txn_3","2025-03-30 01:00:00","-0.001","1.000","-1.001","{formula}\nsecond line","po_""1"""\n'
    )
    assert count == 4


def test_reference_flips_the_sign_in_the_payouts_report(nasty_ledger):
    params = Params(
        account_id=nasty_ledger.id,
        livemode=False,
        interval_start=utc(2025, 3, 31),
        interval_end=utc(2025, 3, 31, 0, 0, 1),
        timezone=ZoneInfo("Europe/Berlin"),  # not a parameter of version 1: its times stay in UTC
        columns=["payout_id", "gross", "net", "payout_reversed_at", "payout_description", "trace_id"],
    )

    content, count = reference_write(PAYOUTS, params)

    assert content.decode() == (
        '"payout_id","gross","net","payout_reversed_at","payout_description","trace_id"\n'
        '"po_""1""","-0.005","-0.005","2025-04-01 12:00:00","Pay, ""out""\r\n",\n'
    )
    assert count == 1
