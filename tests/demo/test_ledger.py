"""The generated ledger as a whole: its size, currencies, dates, ids, seeds, and the import it records."""

from __future__ import annotations

import string
from datetime import timedelta

import pytest

from reporting.demo import HISTORY_DAYS, generate_ledger
from reporting.models import BalanceTransaction, DataWatermark, Event, Payout, data_availability
from tests.demo.conftest import END, ROWS, TXN_FIELDS, ledger_snapshot
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_generate_ledger_writes_about_the_rows_asked_for(txns):
    assert abs(len(txns) - ROWS) < ROWS * 0.1


def test_generate_ledger_rows_satisfy_net_is_amount_minus_fee(txns):
    broken = [t.stripe_id for t in txns if t.net != t.amount - t.fee]

    assert broken == []


def test_generate_ledger_has_all_currencies_and_main_categories(txns):
    currencies = {t.currency for t in txns}
    categories = {t.reporting_category for t in txns}

    assert currencies == {"usd", "eur", "jpy"}
    assert {"charge", "refund", "fee", "dispute", "payout", "payout_reversal"} <= categories


def test_generate_ledger_dates_everything_before_end_and_within_13_months(ledger_account, txns):
    payouts = Payout.objects.for_mode(ledger_account, False)

    assert max(t.effective_at for t in txns) < END
    assert max(t.created for t in txns) < END
    assert min(t.created for t in txns) >= END - timedelta(days=HISTORY_DAYS)
    assert max(p.effective_at for p in payouts) < END
    assert max(p.arrival_date for p in payouts) < END
    assert all(p.reversed_at < END for p in payouts if p.reversed_at)


def test_generate_ledger_keeps_jpy_in_whole_yen(txns):
    yen_charges = sorted(t.amount for t in txns if t.currency == "jpy" and t.reporting_category == "charge")

    assert yen_charges
    assert all(amount % 10 == 0 for amount in yen_charges)
    assert 500 <= yen_charges[len(yen_charges) // 2] <= 50_000


def test_generate_ledger_stripe_ids_have_prefix_and_24_base62_characters(ledger_account, txns):
    ids = [t.stripe_id for t in txns] + list(
        Payout.objects.for_mode(ledger_account, False).values_list("stripe_id", flat=True)
    )
    base62 = set(string.ascii_letters + string.digits)

    assert all(i.split("_", 1)[0] in {"txn", "po"} for i in ids)
    assert all(len(i.split("_", 1)[1]) == 24 and set(i.split("_", 1)[1]) <= base62 for i in ids)


def test_generate_ledger_same_seed_gives_same_ledger():
    first, second, other = AccountFactory(), AccountFactory(), AccountFactory()

    generate_ledger(account=first, livemode=False, rows=2000, seed=3, end=END)
    generate_ledger(account=second, livemode=False, rows=2000, seed=3, end=END)
    generate_ledger(account=other, livemode=False, rows=2000, seed=4, end=END)

    # Every field, the source-object details included.
    assert ledger_snapshot(first) == ledger_snapshot(second)
    column = TXN_FIELDS.index("customer_id")
    customers = {row[column] for row in ledger_snapshot(first)[0]} - {None}
    assert customers
    assert not customers & {row[column] for row in ledger_snapshot(other)[0]}


def test_generate_ledger_other_seed_gives_other_ids():
    first, second = AccountFactory(), AccountFactory()

    generate_ledger(account=first, livemode=False, rows=2000, seed=3, end=END)
    generate_ledger(account=second, livemode=False, rows=2000, seed=4, end=END)

    first_ids = set(BalanceTransaction.objects.for_mode(first, False).values_list("stripe_id", flat=True))
    second_ids = set(BalanceTransaction.objects.for_mode(second, False).values_list("stripe_id", flat=True))
    assert not first_ids & second_ids


def test_generate_ledger_refuses_an_end_that_is_not_a_utc_midnight():
    account = AccountFactory()

    with pytest.raises(ValueError, match="UTC midnight"):
        generate_ledger(account=account, livemode=False, rows=100, seed=1, end=END + timedelta(hours=1))

    assert not BalanceTransaction.objects.filter(account=account).exists()


def test_generate_ledger_advances_watermark_and_records_import(ledger_account):
    watermark = DataWatermark.objects.get(account=ledger_account, livemode=False)
    event = Event.objects.get(account=ledger_account, action=Event.Action.LEDGER_IMPORTED)

    assert watermark.complete_through >= END
    assert data_availability(ledger_account, False)[1] >= END
    assert event.door == "cli"
    assert event.data["rows"] == BalanceTransaction.objects.filter(account=ledger_account).count()
