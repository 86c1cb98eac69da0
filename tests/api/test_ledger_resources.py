"""Balance transactions and payouts through the API: the whole ledger in order, its filters, expanded sources,
queries per page, isolation and refusals, every answer checked against the OpenAPI document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.db.models import Q

from reporting.api.operations.ledger import LIST_BALANCE_TRANSACTIONS
from reporting.demo import generate_ledger
from reporting.models import Account, ApiKey, BalanceTransaction, Payout
from tests.api.conftest import ApiClient
from tests.conftest import module_transaction
from tests.factories import AccountFactory, BalanceTransactionFactory

from .openapi.conformance import conforms, error_of

pytestmark = pytest.mark.django_db

TXNS = "/v1/balance_transactions"
PAYOUTS = "/v1/payouts"
END = datetime(2025, 6, 1, tzinfo=UTC)
# Every path the list can expand: the source and all that can be expanded in it.
EVERY_SOURCE_PATH = list(LIST_BALANCE_TRANSACTIONS.expand or ())


@dataclass
class Books:
    account: Account
    secrets: dict[str, str]  # "test", "live", and "other": another account's test key

    def client(self, whose: str = "test") -> ApiClient:
        return ApiClient(self.secrets[whose])


@pytest.fixture(scope="module")
def books(django_db_setup, django_db_blocker):
    """A generated ledger in both modes, and another account's: built once, only read (~0.1 s)."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            account = AccountFactory(name="Ledger")
            generate_ledger(account=account, livemode=False, rows=400, seed=5, end=END)
            generate_ledger(account=account, livemode=True, rows=200, seed=6, end=END)
            other = AccountFactory(name="Other")
            generate_ledger(account=other, livemode=False, rows=200, seed=7, end=END)
            secrets = {
                "test": ApiKey.issue(account=account, livemode=False)[1],
                "live": ApiKey.issue(account=account, livemode=True)[1],
                "other": ApiKey.issue(account=other, livemode=False)[1],
            }
        yield Books(account, secrets)


def txns(books, *filters, livemode=False, **kwargs):
    """The ledger's transactions, newest first as the API lists them (the database orders ties)."""
    rows = BalanceTransaction.objects.for_mode(books.account, livemode).filter(*filters, **kwargs)
    return list(rows.select_related("payout").order_by("-created", "-stripe_id"))


def payouts(books, **filters):
    return list(Payout.objects.for_mode(books.account, False).filter(**filters).order_by("-created", "-stripe_id"))


def walk(client, url, params):
    """Every object of a list, page after page, each answer checked against the document."""
    seen, cursor = [], None
    while True:
        page = conforms(client.get(url, {**params, **({"starting_after": cursor} if cursor else {})})).json
        seen += page["data"]
        if not page["has_more"]:
            return seen
        cursor = page["data"][-1]["id"]


def ids(objects):
    return [o.stripe_id if hasattr(o, "stripe_id") else o["id"] for o in objects]


def unix(moment):
    return int(moment.timestamp())


def test_the_list_is_the_ledger_newest_first_with_every_source_expanded(books):
    ledger = txns(books)
    failed = Payout.objects.get(account=books.account, livemode=False, status="failed")

    listed = walk(books.client(), TXNS, {"limit": 100, "expand[]": EVERY_SOURCE_PATH})

    assert ids(listed) == ids(ledger)
    by_id = {t.stripe_id: t for t in ledger}
    kinds = set()
    for obj in listed:
        txn, source = by_id[obj["id"]], obj["source"]
        assert (obj["amount"], obj["fee"], obj["net"], obj["type"]) == (txn.amount, txn.fee, txn.net, txn.type)
        if not txn.source_id:
            assert source is None
            continue
        kinds.add(source["object"])
        assert source["id"] == txn.source_id
        if source["object"] == "charge":
            assert source["customer"]["email"] == txn.customer_email
            assert source["payment_intent"]["id"] == txn.payment_intent_id
        elif source["object"] in ("refund", "dispute"):
            # The charge they concern, its customer expanded inside it.
            assert source["charge"]["id"] == txn.charge_id
            assert source["charge"]["customer"]["id"] == txn.customer_id
        elif source["object"] == "transfer":
            assert source["destination"]["id"] == txn.connected_account_id
        elif source["object"] == "payout":
            assert (source["amount"], source["status"]) == (txn.payout.amount, txn.payout.status)
            failure = source["failure_balance_transaction"]
            expected = txns(books, payout=failed, type="payout_failure")[0].stripe_id if txn.payout == failed else None
            assert failure == expected
    assert kinds == {"charge", "refund", "dispute", "transfer", "payout"}


def test_pages_back_with_ending_before(books):
    ledger = ids(txns(books))

    page = conforms(books.client().get(TXNS, {"limit": 5, "ending_before": ledger[12]})).json
    first = conforms(books.client().get(TXNS, {"limit": 5, "ending_before": ledger[3]})).json

    assert (ids(page["data"]), page["has_more"]) == (ledger[7:12], True)
    assert (ids(first["data"]), first["has_more"]) == (ledger[:3], False)


def test_filters(books):
    ledger = txns(books)
    refund = next(t for t in ledger if t.type == "refund")
    charge = next(t for t in ledger if t.stripe_id != refund.stripe_id and t.source_id == refund.charge_id)
    settled = next(p for p in payouts(books, automatic=True) if p.status == "paid")
    since, until = ledger[60].created, ledger[20].created
    client = books.client()

    def listed(**params):
        return ids(walk(client, TXNS, {"limit": 100, **params}))

    assert listed(type="refund") == ids(txns(books, type="refund"))
    assert listed(currency="EUR") == ids(txns(books, currency="eur"))
    assert listed(source=refund.source_id) == [refund.stripe_id]
    assert listed(source=charge.source_id) == [charge.stripe_id]
    window = listed(**{"created[gte]": unix(since), "created[lt]": unix(until)})
    assert window == ids(t for t in ledger if unix(since) <= unix(t.created) < unix(until))
    assert window
    # What the payout settled, and its own `payout` transaction; the charges among them.
    in_payout = txns(books, Q(automatic_payout=settled) | Q(payout=settled, type="payout"))
    assert listed(payout=settled.stripe_id) == ids(in_payout)
    assert {"payout", "charge"} <= {t.type for t in in_payout}
    assert listed(payout=settled.stripe_id, type="charge") == ids(t for t in in_payout if t.type == "charge")


def test_payouts_list_filters_and_failures(books):
    every = payouts(books)
    failed = Payout.objects.get(account=books.account, livemode=False, status="failed")
    failure = txns(books, payout=failed, type="payout_failure")[0]
    client = books.client()
    start, end = every[20].arrival_date, every[5].arrival_date

    listed = walk(client, PAYOUTS, {"limit": 7})
    failures = walk(client, PAYOUTS, {"status": "failed", "expand[]": ["data.failure_balance_transaction"]})
    window = walk(client, PAYOUTS, {"arrival_date[gte]": unix(start), "arrival_date[lte]": unix(end)})
    on_arrival = walk(client, PAYOUTS, {"arrival_date": unix(failed.arrival_date), "status": "failed"})
    retrieved = conforms(client.get(f"{PAYOUTS}/{failed.stripe_id}")).json
    expanded = conforms(client.get(f"{PAYOUTS}/{failed.stripe_id}", {"expand[]": "failure_balance_transaction"})).json

    assert ids(listed) == ids(every)
    assert [p["failure_balance_transaction"] for p in listed if p["status"] != "failed"] == [None] * (len(every) - 1)
    assert ids(failures) == [failed.stripe_id]
    assert failures[0]["failure_balance_transaction"]["id"] == failure.stripe_id
    assert failures[0]["failure_balance_transaction"]["type"] == "payout_failure"
    assert ids(window) == ids(p for p in every if unix(start) <= unix(p.arrival_date) <= unix(end))
    assert len(window) >= 16
    assert ids(on_arrival) == [failed.stripe_id]
    assert retrieved["failure_balance_transaction"] == failure.stripe_id
    assert expanded["failure_balance_transaction"]["amount"] == failure.amount == failed.amount


def test_retrieve_expands_what_leads_to_a_path(books):
    refund = txns(books, type="refund")[0]
    payout_txn = txns(books, type="payout")[0]
    client = books.client()

    plain = conforms(client.get(f"{TXNS}/{refund.stripe_id}")).json
    # As on Stripe, `source.charge.customer` expands the source and its charge on the way.
    deep = conforms(client.get(f"{TXNS}/{refund.stripe_id}", {"expand[]": "source.charge.customer"})).json
    payout = conforms(client.get(f"{TXNS}/{payout_txn.stripe_id}", {"expand[]": "source"})).json

    assert plain["source"] == refund.source_id
    assert deep["source"]["charge"]["customer"]["email"] == refund.customer_email
    assert payout["source"]["object"] == "payout"
    assert payout["source"]["id"] == payout_txn.payout.stripe_id


@pytest.mark.parametrize(("is_link", "wallet"), [(None, "absent"), (False, None), (True, {"type": "link"})])
def test_a_charge_the_ledger_knows_little_of(books, is_link, wallet):
    # Imported from a report without charge_id nor Link: the source is still its own id, the card has no wallet.
    txn = BalanceTransactionFactory(
        account=books.account, created=END, source_id="ch_sparse", charge_id=None, card_brand="visa", is_link=is_link
    )

    body = conforms(books.client().get(f"{TXNS}/{txn.stripe_id}", {"expand[]": "source.customer"})).json

    assert (body["source"]["id"], body["source"]["object"], body["source"]["customer"]) == ("ch_sparse", "charge", None)
    assert body["source"]["payment_method_details"]["card"].get("wallet", "absent") == wallet


def test_a_page_costs_a_few_queries_whatever_its_size(books, django_assert_max_num_queries):
    settled = next(p for p in payouts(books, automatic=True) if p.status == "paid")
    client = books.client()
    client.get(TXNS)  # the key's first use of the minute records it (one write)

    for limit in (3, 100):
        # The key, the page, and the failures of the payouts the page's sources name.
        with django_assert_max_num_queries(3):
            everything = client.get(TXNS, {"limit": limit, "expand[]": EVERY_SOURCE_PATH})
        # The key, the payout filtered by, the page, failures.
        with django_assert_max_num_queries(4):
            in_payout = client.get(TXNS, {"limit": limit, "payout": settled.stripe_id, "expand[]": "data.source"})
        # The key, the page, the failures of its payouts.
        with django_assert_max_num_queries(3):
            payout_page = client.get(PAYOUTS, {"limit": limit, "expand[]": "data.failure_balance_transaction"})

        assert len(everything.json()["data"]) == limit
        assert len(payout_page.json()["data"]) == min(limit, len(payouts(books)))
        assert in_payout.json()["data"]
        assert any(t["source"]["object"] == "payout" for t in in_payout.json()["data"])


@pytest.mark.parametrize("whose", ["other", "live"])
@pytest.mark.parametrize(
    ("url", "params", "param"),
    [
        (f"{TXNS}/{{txn}}", {}, "id"),
        (f"{PAYOUTS}/{{payout}}", {}, "id"),
        (TXNS, {"starting_after": "{txn}"}, "starting_after"),
        (TXNS, {"payout": "{payout}"}, "payout"),
        (PAYOUTS, {"ending_before": "{payout}"}, "ending_before"),
    ],
)
def test_ids_of_another_account_or_mode_are_resource_missing(books, whose, url, params, param):
    mine = {"txn": txns(books)[0].stripe_id, "payout": payouts(books, automatic=True)[0].stripe_id}

    response = books.client(whose).get(url.format(**mine), {k: v.format(**mine) for k, v in params.items()})

    error = error_of(response, 404)
    assert (error["code"], error["param"]) == ("resource_missing", param)


@pytest.mark.parametrize("whose", ["other", "live"])
def test_lists_hold_only_the_keys_account_and_mode(books, whose):
    theirs_txns = ids(walk(books.client(whose), TXNS, {"limit": 100}))
    theirs_payouts = ids(walk(books.client(whose), PAYOUTS, {"limit": 100}))

    assert theirs_txns
    assert set(theirs_txns).isdisjoint(ids(txns(books)))
    assert set(theirs_payouts).isdisjoint(ids(payouts(books)))


@pytest.mark.parametrize(
    ("url", "params", "code", "param"),
    [
        (TXNS, {"type": "payment_of_a_cat"}, "parameter_invalid", "type"),
        (TXNS, {"currency": "xyz"}, "parameter_invalid", "currency"),
        (TXNS, {"payout": ""}, "parameter_invalid_empty", "payout"),
        (TXNS, {"payout": "{manual}"}, "parameter_invalid", "payout"),
        (TXNS, {"source[id]": "ch_1"}, "parameter_invalid_string", "source"),
        (TXNS, {"created[gte]": "soon"}, "parameter_invalid_integer", "created[gte]"),
        (TXNS, {"limit": "101"}, "parameter_invalid_integer", "limit"),
        (TXNS, {"expand[]": "source"}, None, "expand"),
        (TXNS, {"status": "available"}, "parameter_unknown", "status"),
        (f"{TXNS}/{{txn}}", {"expand[]": "source.charge.colour"}, None, "expand"),
        (PAYOUTS, {"status": "lost"}, "parameter_invalid", "status"),
        (PAYOUTS, {"arrival_date": "tomorrow"}, "parameter_invalid_integer", "arrival_date"),
        (PAYOUTS, {"arrival_date[after]": "1"}, "parameter_unknown", "arrival_date[after]"),
        (PAYOUTS, {"starting_after": "{payout}", "ending_before": "{payout}"}, "parameters_exclusive", "ending_before"),
        (f"{PAYOUTS}/{{payout}}", {"expand[]": "data.failure_balance_transaction"}, None, "expand"),
    ],
)
def test_bad_parameters_are_400(books, url, params, code, param):
    known = {
        "txn": txns(books)[0].stripe_id,
        "payout": payouts(books)[0].stripe_id,
        "manual": payouts(books, automatic=False)[0].stripe_id,
    }

    response = books.client().get(url.format(**known), {k: v.format(**known) for k, v in params.items()})

    error = error_of(response, 400)
    assert (error["type"], error.get("code"), error["param"]) == ("invalid_request_error", code, param)


@pytest.mark.parametrize(
    ("url", "params", "param"),
    [
        (f"{TXNS}/txn_missing", {}, "id"),
        (f"{PAYOUTS}/po_missing", {}, "id"),
        (TXNS, {"payout": "po_missing"}, "payout"),
    ],
)
def test_unknown_ids_are_resource_missing(books, url, params, param):
    error = error_of(books.client().get(url, params), 404)

    assert (error["code"], error["param"]) == ("resource_missing", param)
    assert error["message"].endswith("'txn_missing'" if "txn" in url else "'po_missing'")
