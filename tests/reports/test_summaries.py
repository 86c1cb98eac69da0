"""The summaries by category of activity and of payouts, and how they agree with the balance summary."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from reporting.reports import Params, get_report
from tests.factories import BalanceTransactionFactory

pytestmark = pytest.mark.django_db

MARCH = {"interval_start": datetime(2025, 3, 1, tzinfo=UTC), "interval_end": datetime(2025, 4, 1, tzinfo=UTC)}


@pytest.fixture
def ledger(account):
    def txn(day, category, amount, fee=0, currency="usd"):
        BalanceTransactionFactory(
            account=account,
            created=datetime(2025, 3, day, 12, tzinfo=UTC),
            reporting_category=category,
            type=category,
            amount=amount,
            fee=fee,
            currency=currency,
        )

    txn(2, "charge", 1000, 59)
    txn(3, "charge", 2500, 103)
    txn(4, "refund", -500)
    txn(5, "fee", -200)
    txn(6, "payout", -3000)
    txn(7, "charge", 1500, 50, currency="jpy")
    BalanceTransactionFactory(account=account, created=datetime(2025, 4, 1, tzinfo=UTC))  # outside: end excluded
    return account


def render(report_type, account, **extra):
    out = io.BytesIO()
    get_report(report_type).write(Params(account_id=account.id, livemode=False, **MARCH, **extra), out)
    return out.getvalue().decode()


def test_activity_summary_golden(ledger):
    assert render("balance_change_from_activity.summary.1", ledger) == (
        '"reporting_category","currency","count","gross","fee","net"\n'
        '"charge","jpy","1","1500","-50","1450"\n'
        '"total","jpy","1","1500","-50","1450"\n'
        '"charge","usd","2","35.00","-1.62","33.38"\n'
        '"fee","usd","1","-2.00","0.00","-2.00"\n'
        '"refund","usd","1","-5.00","0.00","-5.00"\n'
        '"total","usd","4","28.00","-1.62","26.38"\n'
    )


def test_payouts_summary_golden(ledger):
    assert render("payouts.summary.1", ledger) == (
        '"reporting_category","currency","count","gross","fee","net"\n'
        '"payout","usd","1","-30.00","0.00","-30.00"\n'
        '"total","usd","1","-30.00","0.00","-30.00"\n'
    )


def test_summary_currency_filter_and_columns(ledger):
    assert (
        render("payouts.summary.1", ledger, currency="jpy")
        == '"reporting_category","currency","count","gross","fee","net"\n'
    )
    assert render(
        "balance_change_from_activity.summary.1", ledger, currency="jpy", columns=["net", "reporting_category"]
    ) == ('"net","reporting_category"\n"1450","charge"\n"1450","total"\n')


def test_summaries_agree_with_the_balance_summary(ledger):
    balance = {
        (row.split(",")[0].strip('"'), row.split(",")[3].strip('"')): row.split(",")[2].strip('"')
        for row in render("balance.summary.1", ledger).splitlines()[1:]
    }
    activity = render("balance_change_from_activity.summary.1", ledger).splitlines()
    payouts = render("payouts.summary.1", ledger).splitlines()

    assert '"total","usd","4","28.00","-1.62","26.38"' in activity
    assert balance["activity", "usd"] == "26.38"
    assert balance["activity_gross", "usd"] == "28.00"
    assert balance["activity_fee", "usd"] == "-1.62"
    assert '"total","usd","1","-30.00","0.00","-30.00"' in payouts
    assert balance["payouts", "usd"] == "-30.00"
