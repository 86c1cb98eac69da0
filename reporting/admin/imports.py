"""The admin's ledger import: an "Import CSV" page on the balance transaction changelist.

The same core as the `import_ledger` command (reporting.ledger_import): all or
nothing, rows already in the ledger skipped, every problem shown with its line
and column. Only superusers and members with the admin role of the chosen
account may import (into test or live mode); other staff get 403.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from reporting.ledger_import import LedgerImportError, Problem, import_ledger
from reporting.models import Account, BalanceTransaction, CellFormat, Door, Membership

from .base import requesting_user

IMPORT_TEMPLATE = "admin/reporting/balancetransaction/import_ledger.html"


def importable_accounts(request: HttpRequest) -> QuerySet[Account]:
    """The accounts this user may import into: all for superusers, else those they administer."""
    accounts = Account.objects.order_by("name", "id")
    if request.user.is_superuser:
        return accounts
    return accounts.filter(
        memberships__user=requesting_user(request), memberships__role=Membership.Role.ADMIN
    ).distinct()


def may_import(request: HttpRequest) -> bool:
    return bool(request.user.is_superuser) or importable_accounts(request).exists()


class LedgerImportForm(forms.Form):
    account = forms.ModelChoiceField(queryset=Account.objects.none(), empty_label=None)
    mode = forms.ChoiceField(choices=[("test", "Test"), ("live", "Live")], initial="test")
    cells = forms.ChoiceField(
        label="Text cells",
        choices=[("", "The account's setting"), *CellFormat.choices],
        required=False,
        help_text=(
            "Spreadsheet-safe files put a ' before text that a spreadsheet would run as a formula; it is dropped "
            "on reading. Stripe's own files are Stripe-exact."
        ),
    )
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "An itemized export: balance change from activity, payout or ending balance reconciliation, "
            "or payouts; any version and columns, metadata columns included (the _utc time columns are "
            "read as UTC, before their local twins). Rows already in the ledger are skipped."
        ),
    )

    def __init__(self, *args: Any, accounts: QuerySet[Account], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        account_field = self.fields["account"]
        assert isinstance(account_field, forms.ModelChoiceField)
        account_field.queryset = accounts


class LedgerImportMixin(admin.ModelAdmin[BalanceTransaction]):
    """Adds the import page (`admin:reporting_balancetransaction_import`) and its changelist button."""

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_import"
        # Before the model's own URLs, whose "<path:object_id>/" would catch "import/".
        return [path("import/", self.admin_site.admin_view(self.import_view), name=name), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = {**(extra_context or {}), "can_import_ledger": may_import(request)}
        return super().changelist_view(request, context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not may_import(request):
            raise PermissionDenied
        accounts = importable_accounts(request)
        form = LedgerImportForm(request.POST or None, request.FILES or None, accounts=accounts)
        problems: list[Problem] = []
        if request.method == "POST" and form.is_valid():
            account: Account = form.cleaned_data["account"]
            livemode = form.cleaned_data["mode"] == "live"
            upload = form.cleaned_data["file"]
            try:
                result = import_ledger(
                    upload.read(),
                    account=account,
                    livemode=livemode,
                    door=Door.ADMIN,
                    actor=request.user,
                    filename=upload.name or "",
                    cell_format=form.cleaned_data["cells"] or None,
                )
            except LedgerImportError as exc:
                problems = exc.problems
            else:
                lines = [
                    f"Imported {upload.name} into {account} ({form.cleaned_data['mode']} mode).",
                    *result.summary().splitlines(),
                ]
                messages.success(request, format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)))
                return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import ledger CSV",
            "form": form,
            "problems": problems,
            "has_view_permission": self.has_view_permission(request),
            "changelist_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
        }
        return TemplateResponse(request, IMPORT_TEMPLATE, context, status=400 if problems else 200)
