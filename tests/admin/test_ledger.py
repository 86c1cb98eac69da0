"""The ledger admins: read-only balance transactions, payouts and events, amounts in major units, payout links."""

from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from reporting.models import ApiKey, BalanceTransaction, Event, Payout, ReportRun
from tests.admin.conftest import change_url, changelist_url, listed
from tests.factories import BalanceTransactionFactory, PayoutFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger_rows(account):
    payout = PayoutFactory(account=account, automatic=True)
    return {
        "payout": payout,
        "txn": BalanceTransactionFactory(account=account, amount=1050, fee=50, automatic_payout=payout),
        "event": Event.record(
            Event.Action.LEDGER_IMPORTED,
            door="cli",
            account=account,
            object_id="import_1",
        ),
    }


@pytest.mark.parametrize("name", ["txn", "payout", "event"])
def test_read_only_admins_refuse_change(admin_client, ledger_rows, name):
    obj = ledger_rows[name]

    response = admin_client.post(change_url(obj), {"description": "edited", "object_id": "edited", "amount": "1"})

    assert response.status_code == 403
    fresh = type(obj).objects.get(pk=obj.pk)
    assert [getattr(fresh, f.attname) for f in fresh._meta.concrete_fields] == [
        getattr(obj, f.attname) for f in obj._meta.concrete_fields
    ]


@pytest.mark.parametrize("model", [BalanceTransaction, Payout, Event, ReportRun, ApiKey])
def test_read_only_admins_refuse_add(admin_client, model):
    response = admin_client.get(reverse(f"admin:reporting_{model._meta.model_name}_add"))

    assert response.status_code == 403


@pytest.mark.parametrize("name", ["txn", "payout", "event"])
def test_read_only_admins_refuse_delete(admin_client, ledger_rows, name):
    obj = ledger_rows[name]
    url = reverse(f"admin:reporting_{obj._meta.model_name}_delete", args=[quote(obj.pk)])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_ledger_amounts_in_major_units(admin_client, ledger_rows):
    BalanceTransactionFactory(account=ledger_rows["txn"].account, currency="jpy", amount=1500, fee=0)

    body = admin_client.get(changelist_url(BalanceTransaction)).content.decode()

    assert ">10.50<" in body
    assert ">10.00<" in body
    assert ">1,500<" in body  # grouped in the language (en-us)


def test_payout_admin_has_no_save_button(admin_client, ledger_rows):
    body = admin_client.get(change_url(ledger_rows["payout"])).content.decode()

    assert 'name="_save"' not in body
    assert "100.00" in body


def test_payout_links_to_the_transactions_it_settled(admin_client, ledger_rows):
    BalanceTransactionFactory(account=ledger_rows["txn"].account)
    link = f"{changelist_url(BalanceTransaction)}?automatic_payout__id__exact={ledger_rows['payout'].pk}"

    detail = admin_client.get(change_url(ledger_rows["payout"])).content.decode()
    settled = admin_client.get(link)

    assert link.replace("&", "&amp;") in detail
    assert listed(settled) == {ledger_rows["txn"].pk}


def test_transaction_page_shows_its_order_and_destination_payment_read_only(admin_client, account):
    charge = BalanceTransactionFactory(account=account, charge_id="ch_1", order_id="order_1")
    transfer = BalanceTransactionFactory(
        account=account, type="transfer", reporting_category="transfer", destination_payment_id="py_1"
    )

    bodies = [admin_client.get(change_url(row)).content.decode() for row in (charge, transfer)]

    assert "order_1" in bodies[0]
    assert "py_1" in bodies[1]
    for body in bodies:
        assert "Order id" in body
        assert "Destination payment id" in body
        assert 'name="order_id"' not in body
        assert 'name="destination_payment_id"' not in body
