"""The ledger the reports read: balance transactions and payouts, append-only.

Amounts are integers in the currency's minor unit (see reporting.currencies).
Stripe ids are unique per (account, mode); the primary keys are surrogates so
that two accounts (or modes) may import the same Stripe ids.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import F, Min, Q
from django.utils.translation import gettext_lazy as _

from reporting.currencies import CURRENCY_CHOICES
from reporting.unixtime import utc_midnight

from .accounts import Account

CURRENCIES = [(c, c.upper()) for c in CURRENCY_CHOICES]


class AppendOnlyError(Exception):
    pass


class AppendOnlyModel(models.Model):
    """A row that is written once: corrections are new rows, never edits."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


_M = TypeVar("_M", bound=models.Model)


class LedgerQuerySet(models.QuerySet[_M]):
    def for_mode(self, account: Account | str, livemode: bool) -> LedgerQuerySet[_M]:
        return self.filter(account=account, livemode=livemode)


class Payout(AppendOnlyModel):
    class Status(models.TextChoices):
        # The labels Django would make from the names (so no migration), marked for translation.
        PAID = "paid", _("Paid")
        PENDING = "pending", _("Pending")
        IN_TRANSIT = "in_transit", _("In Transit")
        CANCELED = "canceled", _("Canceled")
        FAILED = "failed", _("Failed")

    # Indexed by the composite indexes below, which start with account.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+", db_index=False)
    livemode = models.BooleanField(default=False)
    stripe_id = models.CharField("Stripe id", max_length=64)
    amount = models.BigIntegerField(help_text=_("Minor units sent to the bank (negative for a debit payout)."))
    fee = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, choices=CURRENCIES)
    status = models.CharField(max_length=16, choices=Status, default=Status.PAID)
    automatic = models.BooleanField(default=True)
    type = models.CharField(max_length=16, default="bank_account")
    created = models.DateTimeField()
    arrival_date = models.DateTimeField(help_text=_("Expected arrival in the bank."))
    # When the funds leave the balance: arrival for automatic payouts, creation otherwise.
    effective_at = models.DateTimeField()
    reversed_at = models.DateTimeField(null=True, blank=True)
    description = models.CharField(max_length=500, default="STRIPE PAYOUT")
    destination_id = models.CharField(max_length=64, blank=True)
    trace_id = models.CharField(max_length=64, blank=True)
    trace_id_status = models.CharField(max_length=16, blank=True)

    objects = LedgerQuerySet["Payout"].as_manager()

    class Meta:
        ordering = ["effective_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "livemode", "stripe_id"], name="payout_unique_stripe_id"),
            # Target of the composite foreign keys that keep a transaction's payout in its account.
            models.UniqueConstraint(fields=["id", "account", "livemode"], name="payout_unique_id_account_mode"),
        ]
        indexes = [
            models.Index(fields=["account", "livemode", "effective_at"], name="payout_mode_effective"),
            models.Index(fields=["stripe_id"], name="payout_stripe_id"),  # admin search across accounts
            # GET /v1/payouts: pages newest first.
            models.Index(fields=["account", "livemode", "created", "stripe_id"], name="payout_mode_created"),
        ]

    def __str__(self) -> str:
        return self.stripe_id


class BalanceTransaction(AppendOnlyModel):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+", db_index=False)
    livemode = models.BooleanField(default=False)
    stripe_id = models.CharField("Stripe id", max_length=64)
    # Room for the longest documented type (43 characters) and category (43) and a few more.
    type = models.CharField(max_length=64)
    reporting_category = models.CharField(max_length=64)
    amount = models.BigIntegerField(help_text=_("Gross, minor units; negative when money leaves the balance."))
    fee = models.BigIntegerField(default=0)
    net = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCIES)
    created = models.DateTimeField()
    available_on = models.DateTimeField()
    # The time the balance reports date this transaction by: `created`, except for
    # an automatic payout's own transaction, dated when its funds leave (arrival).
    effective_at = models.DateTimeField()
    # null and "" differ in Stripe's files (",," vs ',"",'), so text columns are nullable.
    description = models.CharField(max_length=500, null=True, blank=True)  # noqa: DJ001
    source_id = models.CharField(max_length=64, blank=True)
    payout = models.ForeignKey(
        Payout,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The payout this transaction moves (payout and payout_reversal only)."),
    )
    automatic_payout = models.ForeignKey(
        Payout,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="settled_transactions",
        help_text=_("The automatic payout that settled it."),
    )
    customer_facing_amount = models.BigIntegerField(null=True, blank=True)
    customer_facing_currency = models.CharField(max_length=3, null=True, blank=True)  # noqa: DJ001
    customer_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    customer_email = models.CharField(max_length=254, null=True, blank=True)  # noqa: DJ001
    charge_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    payment_method_type = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    card_brand = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    card_country = models.CharField(max_length=2, null=True, blank=True)  # noqa: DJ001
    dispute_reason = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # What the itemized reports' wider versions name (report-types.md §2.3); all
    # nullable so that "not applicable" stays an empty cell. The four address
    # blocks are added below the class.
    customer_name = models.CharField(max_length=256, null=True, blank=True)  # noqa: DJ001
    customer_description = models.CharField(max_length=500, null=True, blank=True)  # noqa: DJ001
    payment_intent_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    charge_created = models.DateTimeField(null=True, blank=True)
    invoice_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    invoice_number = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    subscription_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    is_link = models.BooleanField(null=True, blank=True)
    card_funding = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001
    statement_descriptor = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    connected_account_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    connected_account_name = models.CharField(max_length=256, null=True, blank=True)  # noqa: DJ001
    connected_account_country = models.CharField(max_length=2, null=True, blank=True)  # noqa: DJ001
    connected_account_direct_charge_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    application_fee = models.BigIntegerField(null=True, blank=True, help_text=_("Minor units (platforms only)."))
    regulatory_tag = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # The order (Stripe Orders) a charge paid for, and for a transfer of a destination charge or of
    # separate charges and transfers, the payment (`py_`) it created on the connected account.
    order_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    destination_payment_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # Metadata of the charge (payment), refund or transfer behind the transaction:
    # string keys to string values, as Stripe keeps them.
    payment_metadata = models.JSONField(null=True, blank=True)
    refund_metadata = models.JSONField(null=True, blank=True)
    transfer_metadata = models.JSONField(null=True, blank=True)

    objects = LedgerQuerySet["BalanceTransaction"].as_manager()

    class Meta:
        ordering = ["effective_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "livemode", "stripe_id"], name="txn_unique_stripe_id"),
            models.CheckConstraint(condition=Q(net=F("amount") - F("fee")), name="txn_net_is_amount_minus_fee"),
        ]
        indexes = [
            # Interval scans of the balance family, and the per-currency opening balance.
            models.Index(fields=["account", "livemode", "effective_at"], name="txn_mode_effective"),
            models.Index(fields=["stripe_id"], name="txn_stripe_id"),  # admin search across accounts
            # GET /v1/balance_transactions: pages newest first, and the `source` filter.
            models.Index(fields=["account", "livemode", "created", "stripe_id"], name="txn_mode_created"),
            models.Index(fields=["account", "livemode", "source_id"], name="txn_mode_source"),
        ]

    def __str__(self) -> str:
        return self.stripe_id


ADDRESSES = ("customer_shipping_address", "customer_address", "shipping_address", "card_address")
ADDRESS_PARTS = ("line1", "line2", "city", "state", "postal_code", "country")
# Every column name of the form <address>_<part>, in Stripe's column order.
ADDRESS_FIELDS = tuple(f"{address}_{part}" for address in ADDRESSES for part in ADDRESS_PARTS)
METADATA_FIELDS = ("payment_metadata", "refund_metadata", "transfer_metadata")
# The nullable text fields of a transaction's source objects, each written and read under its own
# column name, in Stripe's column order: the reports print them, the import fills them.
SOURCE_TEXT_FIELDS = (
    "customer_id",
    "customer_email",
    "customer_name",
    "customer_description",
    *ADDRESS_FIELDS,
    "charge_id",
    "payment_intent_id",
    "invoice_id",
    "invoice_number",
    "subscription_id",
    "order_id",
    "payment_method_type",
    "card_brand",
    "card_funding",
    "card_country",
    "statement_descriptor",
    "dispute_reason",
    "connected_account_id",
    "connected_account_name",
    "connected_account_country",
    "connected_account_direct_charge_id",
    "destination_payment_id",
    "regulatory_tag",
)

for _name in ADDRESS_FIELDS:
    BalanceTransaction.add_to_class(_name, models.CharField(max_length=256, null=True, blank=True))  # noqa: DJ001


class DataWatermark(models.Model):
    """The time up to which an account's ledger is complete, per mode."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    livemode = models.BooleanField(default=False)
    complete_through = models.DateTimeField()
    # The data availability last told in reporting.report_type.updated events (services.events).
    announced_start = models.DateTimeField(null=True, blank=True)
    announced_end = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "livemode"], name="watermark_unique_mode")]

    def __str__(self) -> str:
        return f"{self.account_id}/{'live' if self.livemode else 'test'} through {self.complete_through:%Y-%m-%d %H:%M}"

    @classmethod
    def current(cls, account: Account | str, livemode: bool) -> datetime | None:
        """The time through which the ledger of this account's mode is complete (None: nothing loaded)."""
        return cls.objects.filter(account=account, livemode=livemode).values_list("complete_through", flat=True).first()

    @classmethod
    def advance(cls, account: Account, livemode: bool, through: datetime) -> None:
        """Move the mark; every source (demo, import, Stripe sync) calls this once its data is complete.

        The report types' events, should their data availability move, are written in
        the same transaction (services.events).
        """
        from reporting.services.events import availability_changed

        with transaction.atomic():
            watermark, _ = cls.objects.update_or_create(
                account=account, livemode=livemode, defaults={"complete_through": through}
            )
            availability_changed(watermark)


def data_availability(account: Account, livemode: bool) -> tuple[datetime, datetime]:
    """Return (data_available_start, data_available_end) for an account's mode.

    Like Stripe, whole UTC days: from the midnight at or before the first
    transaction (the account's creation day when there is none) to the midnight
    at or before the watermark. An empty ledger gives start == end.
    """
    first = BalanceTransaction.objects.filter(account=account, livemode=livemode).aggregate(first=Min("effective_at"))[
        "first"
    ]
    start = utc_midnight(first or account.created)
    watermark = DataWatermark.current(account, livemode)
    end = utc_midnight(watermark) if watermark and first else start
    return start, max(start, end)


class DailyTotal(models.Model):
    """Per UTC day, currency and category: the ledger's sums, kept by database triggers.

    Summaries read these for whole days and the ledger only for the partial days
    at an interval's edges, so their cost grows with days, not transactions.
    Triggers (migration 0005) add every inserted transaction and subtract every
    deleted one, whichever path wrote it: demo loader, import, admin, tests.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    livemode = models.BooleanField(default=False)
    currency = models.CharField(max_length=3)
    day = models.DateField(help_text=_("UTC day of the transactions' effective time."))
    reporting_category = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)
    amount = models.BigIntegerField(default=0)
    fee = models.BigIntegerField(default=0)
    net = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "livemode", "day", "currency", "reporting_category"], name="dailytotal_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.currency} {self.reporting_category}"
