from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factory
from factory.django import DjangoModelFactory

from reporting.models import Account, BalanceTransaction, File, Membership, Payout, ReportRun, User


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    # Not a word any log holds: the search for leaked secrets looks for it (tests/log_secrets.py).
    password = factory.django.Password("factory-Pa55word-7Qk")


class AccountFactory(DjangoModelFactory[Account]):
    class Meta:
        model = Account

    name = factory.Faker("company")
    created = datetime(2024, 1, 1, tzinfo=UTC)


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory)
    role = Membership.Role.ANALYST


class PayoutFactory(DjangoModelFactory[Payout]):
    class Meta:
        model = Payout

    account = factory.SubFactory(AccountFactory)
    livemode = False
    stripe_id = factory.Sequence(lambda n: f"po_{n:08d}")
    amount = 10000
    currency = "usd"
    automatic = True
    created = datetime(2025, 3, 3, tzinfo=UTC)
    arrival_date = factory.LazyAttribute(lambda p: p.created + timedelta(days=2))
    effective_at = factory.LazyAttribute(lambda p: p.arrival_date if p.automatic else p.created)


class BalanceTransactionFactory(DjangoModelFactory[BalanceTransaction]):
    class Meta:
        model = BalanceTransaction

    account = factory.SubFactory(AccountFactory)
    livemode = False
    stripe_id = factory.Sequence(lambda n: f"txn_{n:08d}")
    type = "charge"
    reporting_category = "charge"
    amount = 1000
    fee = 59
    net = factory.LazyAttribute(lambda t: t.amount - t.fee)
    currency = "usd"
    created = datetime(2025, 3, 1, 12, tzinfo=UTC)
    available_on = factory.LazyAttribute(lambda t: t.created.replace(hour=0, minute=0, second=0) + timedelta(days=2))
    effective_at = factory.LazyAttribute(lambda t: t.created)
    description = "Payment"


class FileFactory(DjangoModelFactory[File]):
    class Meta:
        model = File

    account = factory.SubFactory(AccountFactory)
    filename = "report.csv"
    size = 0
    sha256 = ""
    storage_name = factory.Sequence(lambda n: f"test/{n}.csv")


class ReportRunFactory(DjangoModelFactory[ReportRun]):
    class Meta:
        model = ReportRun

    account = factory.SubFactory(AccountFactory)
    report_type_id = "balance.summary.1"
    parameters = factory.LazyFunction(lambda: {"interval_start": 1740787200, "interval_end": 1743465600})
