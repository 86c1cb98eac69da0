"""Admin for the append-only ledger: read-only, built for millions of rows."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import display_for_value
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from reporting.models import (
    BalanceTransaction,
    DataWatermark,
    Payout,
)

from .base import (
    _M,
    EMPTY,
    AccountFilter,
    ModeColumn,
    ModeFilter,
    ReadOnlyAdmin,
    ReportingCategoryFilter,
    breakable,
    format_money,
)
from .imports import LedgerImportMixin

# Ledger ---------------------------------------------------------------------------------


class LedgerAdmin(ModeColumn, ReadOnlyAdmin[_M]):
    # Millions of rows: no full-table count, no facet counts, newest first by the
    # primary key (an index every database has), foreign keys never as <select>.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    ordering = ("-pk",)
    list_per_page = 50

    # Transactions and payouts both keep an amount and a fee in the currency's minor units.
    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_display(self, row: BalanceTransaction | Payout) -> str:
        return format_money(row.amount, row.currency)

    @admin.display(description=gettext_lazy("fee"), ordering="fee")
    def fee_display(self, row: BalanceTransaction | Payout) -> str:
        return format_money(row.fee, row.currency)


@admin.register(BalanceTransaction)
class BalanceTransactionAdmin(LedgerImportMixin, LedgerAdmin[BalanceTransaction]):
    # Fits 1366 px beside the sidebar and the filters: account over mode, type over its
    # reporting category (when they differ), the two dates in one column.
    list_display = (
        "stripe_id",
        "account_mode",
        "type_and_category",
        "amount_display",
        "fee_display",
        "net_display",
        "currency",
        "dates",
    )
    list_filter = (
        ModeFilter,
        "currency",
        ReportingCategoryFilter,
        ("account", AccountFilter),
    )
    list_select_related = ("account",)
    raw_id_fields = ("account", "payout", "automatic_payout")
    search_fields = ("stripe_id__exact",)
    search_help_text = "A Stripe id (txn_…)."
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "stripe_id",
                    "account",
                    "mode",
                    "type",
                    "reporting_category",
                    "description",
                    "source_id",
                )
            },
        ),
        (
            "Amounts",
            {
                "fields": (
                    "currency",
                    "amount_display",
                    "fee_display",
                    "net_display",
                    "customer_facing_amount_display",
                    "customer_facing_currency",
                )
            },
        ),
        ("Dates", {"fields": ("created", "available_on", "effective_at")}),
        ("Payouts", {"fields": ("payout", "automatic_payout")}),
        (
            "Details",
            {
                "fields": (
                    "customer_id",
                    "customer_email",
                    "charge_id",
                    # The order a charge paid for; the payment a transfer made on the connected account.
                    "order_id",
                    "destination_payment_id",
                    "payment_method_type",
                    "card_brand",
                    "card_country",
                    "dispute_reason",
                )
            },
        ),
    )
    readonly_fields = (
        "mode",
        "amount_display",
        "fee_display",
        "net_display",
        "customer_facing_amount_display",
    )

    @admin.display(description=gettext_lazy("net"), ordering="net")
    def net_display(self, txn: BalanceTransaction) -> str:
        return format_money(txn.net, txn.currency)

    @admin.display(description=gettext_lazy("type"), ordering="type")
    def type_and_category(self, txn: BalanceTransaction) -> SafeString:
        if txn.reporting_category == txn.type:
            return breakable(txn.type)
        return format_html(
            '{}<br><span class="quiet">{}</span>', breakable(txn.type), breakable(txn.reporting_category)
        )

    @admin.display(description=gettext_lazy("created, available"), ordering="created")
    def dates(self, txn: BalanceTransaction) -> SafeString:
        return format_html(
            "{}<br>{}", display_for_value(txn.created, EMPTY), display_for_value(txn.available_on, EMPTY)
        )

    @admin.display(description=gettext_lazy("customer facing amount"))
    def customer_facing_amount_display(self, txn: BalanceTransaction) -> str:
        return format_money(txn.customer_facing_amount, txn.customer_facing_currency)


@admin.register(Payout)
class PayoutAdmin(LedgerAdmin[Payout]):
    list_display = (
        "stripe_id",
        "account",
        "mode",
        "amount_display",
        "fee_display",
        "currency",
        "status",
        "automatic",
        "created",
        "arrival_date",
        "effective_at",
    )
    list_filter = (
        ModeFilter,
        "currency",
        "status",
        "automatic",
        ("account", AccountFilter),
    )
    list_select_related = ("account",)
    raw_id_fields = ("account",)
    search_fields = ("stripe_id__exact",)
    search_help_text = "A Stripe id (po_…)."
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "stripe_id",
                    "account",
                    "mode",
                    "status",
                    "automatic",
                    "type",
                    "description",
                )
            },
        ),
        (
            "Amounts",
            {
                "fields": (
                    "currency",
                    "amount_display",
                    "fee_display",
                    "settled_transactions",
                )
            },
        ),
        (
            "Dates",
            {"fields": ("created", "arrival_date", "effective_at", "reversed_at")},
        ),
        ("Bank", {"fields": ("destination_id", "trace_id", "trace_id_status")}),
    )
    readonly_fields = ("mode", "amount_display", "fee_display", "settled_transactions")

    @admin.display(description=gettext_lazy("settled transactions"))
    def settled_transactions(self, payout: Payout) -> str:
        if not payout.automatic:
            return EMPTY
        url = reverse("admin:reporting_balancetransaction_changelist") + f"?automatic_payout__id__exact={payout.pk}"
        return format_html('<a href="{}">Transactions settled by this payout</a>', url)


@admin.register(DataWatermark)
class DataWatermarkAdmin(ModeColumn, ReadOnlyAdmin[DataWatermark]):
    # Read-only: the importer advances it; a hand-edited watermark would let
    # reports run over data that is not complete.
    list_display = ("account", "mode", "complete_through")
    list_filter = (ModeFilter, ("account", AccountFilter))
    list_select_related = ("account",)
    fields = ("account", "mode", "complete_through")
    readonly_fields = ("mode",)
