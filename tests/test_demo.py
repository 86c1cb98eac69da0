from __future__ import annotations

import io
import re
import string
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Sum

from reporting.demo import (
    DEMO_ACCOUNT_ID,
    DEMO_LIVE_SECRET,
    DEMO_TEST_SECRET,
    HISTORY_DAYS,
    generate_ledger,
    load_demo,
    reset_demo_ledger,
)
from reporting.models import (
    Account,
    ApiKey,
    BalanceTransaction,
    DataWatermark,
    Event,
    Membership,
    Payout,
    User,
    data_availability,
)
from reporting.models.accounts import generate_secret
from reporting.models.ledger import ADDRESS_FIELDS, ADDRESS_PARTS
from tests.conftest import module_transaction
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

END = datetime(2025, 6, 1, tzinfo=UTC)
ROWS = 3000


# Every stored field of a balance transaction, payouts named by their Stripe ids.
TXN_FIELDS = [
    f.attname
    for f in BalanceTransaction._meta.concrete_fields
    if f.attname not in {"id", "account_id", "payout_id", "automatic_payout_id"}
]


def ledger_snapshot(account, livemode=False):
    txns = BalanceTransaction.objects.for_mode(account, livemode).order_by("stripe_id")
    payouts = Payout.objects.for_mode(account, livemode).order_by("stripe_id")
    return (
        list(txns.values_list(*TXN_FIELDS, "payout__stripe_id", "automatic_payout__stripe_id")),
        list(payouts.values_list("stripe_id", "amount", "currency", "status", "automatic", "effective_at")),
    )


@pytest.fixture(scope="module")
def ledger_account(django_db_setup, django_db_blocker):
    """One generated ledger for the module's tests, which only read it (built once: ~1 s a copy)."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            account = AccountFactory(name="Generated")
            generate_ledger(account=account, livemode=False, rows=ROWS, seed=7, end=END)
        yield account


@pytest.fixture(scope="module")
def txns(ledger_account, django_db_blocker):
    with django_db_blocker.unblock():
        rows = BalanceTransaction.objects.for_mode(ledger_account, False).select_related("payout", "automatic_payout")
        return list(rows.order_by("effective_at", "id"))


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


def test_generate_ledger_dates_only_automatic_payouts_by_arrival(txns):
    moved_by_automatic = [t for t in txns if t.reporting_category == "payout" and t.payout.automatic]
    others = [t for t in txns if not (t.reporting_category == "payout" and t.payout.automatic)]

    assert moved_by_automatic
    assert all(t.effective_at == t.available_on == t.payout.arrival_date for t in moved_by_automatic)
    assert all(t.created == t.effective_at - timedelta(days=2) for t in moved_by_automatic)
    assert all(t.effective_at == t.created for t in others)


def test_automatic_payouts_equal_their_transaction_and_what_they_settled(ledger_account):
    payouts = Payout.objects.for_mode(ledger_account, False).filter(automatic=True)
    own = dict(
        BalanceTransaction.objects.filter(payout__in=payouts, reporting_category="payout").values_list(
            "payout_id", "amount"
        )
    )
    settled = dict(
        BalanceTransaction.objects.filter(automatic_payout__in=payouts)
        .values("automatic_payout_id")
        .annotate(total=Sum("net"))
        .values_list("automatic_payout_id", "total")
    )

    assert len(payouts) > 50
    for payout in payouts:
        assert payout.amount > 0
        assert payout.amount == -own[payout.pk] == settled[payout.pk], payout.stripe_id
        assert payout.effective_at == payout.arrival_date


def test_automatic_payouts_settle_only_what_was_available_by_arrival(txns):
    settled = [t for t in txns if t.automatic_payout_id]

    assert settled
    assert all(t.available_on <= t.automatic_payout.arrival_date for t in settled)
    assert not any(t.reporting_category == "payout" and t.automatic_payout_id == t.payout_id for t in settled)


def test_balance_never_goes_negative_after_a_payout(txns):
    balance = defaultdict(int)
    after_payouts = []

    for t in txns:
        balance[t.currency] += t.net
        if t.reporting_category == "payout":
            after_payouts.append(balance[t.currency])

    assert after_payouts
    assert min(after_payouts) >= 0


def test_failed_payout_comes_back_and_a_later_payout_settles_it(ledger_account, txns):
    failed = Payout.objects.for_mode(ledger_account, False).filter(status=Payout.Status.FAILED).first()
    reversal = next(t for t in txns if t.reporting_category == "payout_reversal" and t.payout_id == failed.pk)

    assert failed.reversed_at == reversal.created == reversal.effective_at
    assert reversal.amount == failed.amount
    assert reversal.automatic_payout.effective_at > reversal.created


def test_manual_payouts_are_dated_when_created_and_settle_nothing(ledger_account):
    manual = list(Payout.objects.for_mode(ledger_account, False).filter(automatic=False))

    assert len(manual) == 2
    for payout in manual:
        own = BalanceTransaction.objects.get(payout=payout)
        assert payout.effective_at == payout.created == own.effective_at
        assert own.amount == -payout.amount
        assert not payout.settled_transactions.exists()


def test_generate_ledger_keeps_jpy_in_whole_yen(txns):
    yen_charges = sorted(t.amount for t in txns if t.currency == "jpy" and t.reporting_category == "charge")

    assert yen_charges
    assert all(amount % 10 == 0 for amount in yen_charges)
    assert 500 <= yen_charges[len(yen_charges) // 2] <= 50_000


def test_generate_ledger_charges_carry_card_and_customer_details(txns):
    charges = [t for t in txns if t.reporting_category == "charge"]

    assert all(t.source_id.startswith("ch_") and t.charge_id == t.source_id for t in charges)
    assert all(t.customer_id.startswith("cus_") and "@" in t.customer_email for t in charges)
    assert {t.card_brand for t in charges} == {"Visa", "MasterCard", "American Express"}
    assert all(t.payment_method_type == "card" and t.card_country for t in charges)
    assert all((t.customer_facing_amount, t.customer_facing_currency) == (t.amount, t.currency) for t in charges)
    assert all(0 < t.fee < t.amount for t in charges if t.currency != "jpy")


def address(t, name):
    return tuple(getattr(t, f"{name}_{part}") for part in ADDRESS_PARTS)


def test_generate_ledger_charges_carry_the_source_object_columns(txns):
    charges = [t for t in txns if t.reporting_category == "charge"]

    assert all(t.customer_name and t.customer_name.istitle() for t in charges)
    assert all(t.card_funding in {"credit", "debit"} for t in charges)
    assert {t.card_funding for t in charges} == {"credit", "debit"}
    assert all(re.fullmatch("[A-Z]{2}", t.card_country) for t in charges)
    assert all(t.payment_intent_id.startswith("pi_") and t.charge_created == t.created for t in charges)
    assert {t.is_link for t in charges} == {True, False}
    assert all(t.statement_descriptor.startswith("DEMOCO") and len(t.statement_descriptor) <= 22 for t in charges)
    # The customer's description: mostly none, sometimes an empty string, sometimes text.
    assert {t.customer_description is None for t in charges} == {True, False}
    assert "" in {t.customer_description for t in charges}


def test_generate_ledger_addresses_are_complete_or_absent(txns):
    charges = [t for t in txns if t.reporting_category == "charge"]

    for t in charges:
        card = address(t, "card_address")
        assert all(part is not None for part in card)
        assert card[-1] == t.card_country
        for name in ("customer_address", "customer_shipping_address", "shipping_address"):
            parts = address(t, name)
            assert all(p is None for p in parts) or all(p is not None for p in parts), (name, parts)
    # An empty second line is an empty string (",""," in the files), an absent address null (",,").
    assert {t.card_address_line2 == "" for t in charges} == {True, False}
    for name in ("customer_address_line1", "customer_shipping_address_line1", "shipping_address_line1"):
        assert {getattr(t, name) is None for t in charges} == {True, False}, name


def test_generate_ledger_links_billing_to_subscriptions_and_invoices(txns):
    charges = [t for t in txns if t.reporting_category == "charge"]
    subscriptions = [t for t in charges if t.description.startswith("Subscription")]
    orders = [t for t in charges if t.description.startswith("Order ")]

    assert subscriptions
    assert orders
    assert all(t.subscription_id.startswith("sub_") and t.invoice_id.startswith("in_") for t in subscriptions)
    assert all(re.fullmatch("[0-9A-F]{8}-[0-9]{4}", t.invoice_number) for t in subscriptions)
    assert all(t.invoice_id is None and t.subscription_id is None for t in orders)
    invoices = [t.invoice_number for t in charges if t.invoice_number]
    assert len(invoices) == len(set(invoices))
    # A customer keeps one subscription.
    by_customer = defaultdict(set)
    for t in subscriptions:
        by_customer[t.customer_id].add(t.subscription_id)
    assert all(len(ids) == 1 for ids in by_customer.values())


def test_generate_ledger_payment_metadata_names_the_order(txns):
    charges = [t for t in txns if t.reporting_category == "charge"]
    orders = [t for t in charges if t.description.startswith("Order ")]
    keys = {key for t in charges for key in t.payment_metadata or {}}

    assert all(t.payment_metadata["order_id"] == t.description.removeprefix("Order ") for t in orders)
    assert all(isinstance(v, str) for t in charges for v in (t.payment_metadata or {}).values())
    assert any(key != key.lower() for key in keys)  # upper-case keys sort first in the files
    assert any(t.payment_metadata is None for t in charges)


# What a refund or dispute repeats of its charge: everything about the charge and its customer.
CHARGE_DETAILS = [
    "charge_id",
    "customer_id",
    "customer_email",
    "customer_name",
    "customer_description",
    *ADDRESS_FIELDS,
    "payment_intent_id",
    "charge_created",
    "invoice_id",
    "invoice_number",
    "subscription_id",
    "payment_method_type",
    "is_link",
    "card_brand",
    "card_funding",
    "card_country",
    "statement_descriptor",
    "payment_metadata",
]


def test_generate_ledger_refunds_point_to_their_charge(txns):
    charges = {t.charge_id: t for t in txns if t.reporting_category == "charge"}
    refunds = [t for t in txns if t.reporting_category == "refund"]

    assert refunds
    for refund in refunds:
        charge = charges[refund.charge_id]
        assert refund.source_id.startswith("re_")
        assert (refund.fee, refund.net) == (0, refund.amount)
        assert 0 < -refund.amount <= charge.amount
        assert refund.description == f"REFUND FOR CHARGE ({charge.description})"
        assert refund.created > charge.created
        assert refund.charge_created == charge.created
        assert [getattr(refund, f) for f in CHARGE_DETAILS] == [getattr(charge, f) for f in CHARGE_DETAILS]
    assert {r.refund_metadata is None for r in refunds} == {True, False}
    assert all(set(r.refund_metadata) >= {"reason_code"} for r in refunds if r.refund_metadata)
    assert all(t.refund_metadata is None for t in txns if t.reporting_category != "refund")


def test_generate_ledger_disputes_repeat_their_charge(txns):
    charges = {t.charge_id: t for t in txns if t.reporting_category == "charge"}
    disputes = [t for t in txns if t.reporting_category in ("dispute", "dispute_reversal")]

    assert disputes
    for dispute in disputes:
        charge = charges[dispute.charge_id]
        assert dispute.charge_created == charge.created < dispute.created
        assert [getattr(dispute, f) for f in CHARGE_DETAILS] == [getattr(charge, f) for f in CHARGE_DETAILS]


def test_generate_ledger_transfers_name_the_connected_account(txns):
    transfers = [t for t in txns if t.reporting_category == "transfer"]
    others = [t for t in txns if t.reporting_category != "transfer"]

    assert transfers
    for t in transfers:
        assert t.amount < 0
        assert t.source_id.startswith("tr_")
        assert (t.connected_account_id, t.connected_account_country) == ("acct_1PartnerStudioDE0", "DE")
        assert t.transfer_metadata["period"] == t.description.removeprefix("Revenue share ")
        assert t.customer_id is None
    assert all(t.connected_account_id is None and t.transfer_metadata is None for t in others)


def test_generate_ledger_leaves_platform_only_columns_empty(txns):
    """The demo business is no platform and not in Brazil."""
    assert all(t.application_fee is None for t in txns)
    assert all(t.connected_account_direct_charge_id is None and t.regulatory_tag is None for t in txns)


def test_generate_ledger_other_rows_carry_no_customer(txns):
    bare = [t for t in txns if t.reporting_category in ("fee", "other_adjustment", "payout", "payout_reversal")]

    assert bare
    assert all(t.customer_id is None and t.charge_created is None and t.payment_metadata is None for t in bare)
    assert all(t.card_address_line1 is None and t.is_link is None for t in bare)


def test_generate_ledger_disputes_have_a_reason_and_take_the_charge_back(txns):
    disputes = [t for t in txns if t.reporting_category == "dispute"]

    assert disputes
    assert all(t.source_id.startswith("dp_") and t.dispute_reason for t in disputes)
    assert all(t.amount < 0 < t.fee for t in disputes)


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


def test_load_demo_fills_both_modes():
    loads = load_demo(rows=2000, seed=1)

    test_rows = BalanceTransaction.objects.for_mode(DEMO_ACCOUNT_ID, False).count()
    live_rows = BalanceTransaction.objects.for_mode(DEMO_ACCOUNT_ID, True).count()
    assert [(load.livemode, load.rows, load.generated) for load in loads] == [
        (False, test_rows, True),
        (True, live_rows, True),
    ]
    assert 0 < live_rows < test_rows
    assert Payout.objects.for_mode(DEMO_ACCOUNT_ID, True).exists()


def test_load_demo_ends_the_ledger_today():
    today = datetime.now(tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)

    load_demo(rows=2000, seed=1)

    last = BalanceTransaction.objects.filter(account_id=DEMO_ACCOUNT_ID).latest("effective_at")
    assert today - timedelta(days=7) < last.effective_at < today


def test_load_demo_twice_adds_nothing():
    load_demo(rows=2000, seed=1)
    before = ledger_snapshot(DEMO_ACCOUNT_ID), ledger_snapshot(DEMO_ACCOUNT_ID, True)
    counts = [model.objects.count() for model in (Account, User, Membership, ApiKey, Event)]

    loads = load_demo(rows=2000, seed=1)

    assert [load.generated for load in loads] == [False, False]
    assert (ledger_snapshot(DEMO_ACCOUNT_ID), ledger_snapshot(DEMO_ACCOUNT_ID, True)) == before
    assert [model.objects.count() for model in (Account, User, Membership, ApiKey, Event)] == counts


def test_load_demo_reports_each_mode():
    out = io.StringIO()

    load_demo(rows=1000, seed=1, stdout=out)
    load_demo(rows=1000, seed=1, stdout=out)

    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["test mode", "live mode", "test mode", "live mode"]
    assert "generated" in lines[0]
    assert "already loaded" in lines[2]


def test_load_demo_after_reset_regenerates_the_same_ledger():
    load_demo(rows=2000, seed=1)
    before = ledger_snapshot(DEMO_ACCOUNT_ID)
    demo_rows = BalanceTransaction.objects.filter(account_id=DEMO_ACCOUNT_ID)  # not the module's shared ledger
    old_pks = set(demo_rows.values_list("pk", flat=True))

    deleted = reset_demo_ledger()
    load_demo(rows=2000, seed=1)

    assert deleted == len(old_pks)
    assert ledger_snapshot(DEMO_ACCOUNT_ID) == before
    assert not old_pks & set(demo_rows.values_list("pk", flat=True))


def test_reset_demo_ledger_leaves_other_accounts_alone(ledger_account):
    load_demo(rows=1000, seed=1)
    others = BalanceTransaction.objects.filter(account=ledger_account).count()

    reset_demo_ledger()

    assert not BalanceTransaction.objects.filter(account_id=DEMO_ACCOUNT_ID).exists()
    assert not Payout.objects.filter(account_id=DEMO_ACCOUNT_ID).exists()
    assert BalanceTransaction.objects.filter(account=ledger_account).count() == others


def test_load_demo_creates_demo_user_as_staff_admin_member():
    load_demo(rows=0)

    user = User.objects.get(username="demo")
    membership = Membership.objects.get(user=user, account_id=DEMO_ACCOUNT_ID)
    assert user.check_password("demo")
    assert (user.is_staff, user.is_superuser, user.timezone) == (True, False, "Europe/Berlin")
    assert membership.role == Membership.Role.ADMIN
    assert Account.objects.get(pk=DEMO_ACCOUNT_ID).name == "Demo Company"


@pytest.mark.parametrize(("secret", "livemode"), [(DEMO_TEST_SECRET, False), (DEMO_LIVE_SECRET, True)])
def test_demo_keys_authenticate_in_their_mode(secret, livemode):
    load_demo(rows=0)

    key = ApiKey.objects.authenticate(secret)

    assert key is not None
    assert (key.account_id, key.livemode, key.name) == (DEMO_ACCOUNT_ID, livemode, "Demo key")


@pytest.mark.parametrize(("secret", "livemode"), [(DEMO_TEST_SECRET, False), (DEMO_LIVE_SECRET, True)])
def test_demo_secrets_look_like_generated_ones(secret, livemode):
    generated = generate_secret(livemode)

    assert len(secret) == len(generated)
    assert secret[:8] == generated[:8]
    assert set(secret[8:]) <= set(string.ascii_letters + string.digits)
