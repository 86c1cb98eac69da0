"""The admin's ledger import: an "Import CSV" page on the balance transaction changelist.

The upload is stored and queued (reporting.services.imports); a worker runs the
same core as the `import_ledger` command (reporting.ledger_import): all or
nothing, rows already in the ledger skipped, every problem shown with its line
and column. The job's page shows its progress (polled with htmx, refreshed
without JavaScript) and then its result. Only superusers and members with the
admin role of the chosen account may import (into test or live mode) and see
its imports; other staff get 403.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from reporting.models import Account, BalanceTransaction, CellFormat, ImportJob, Membership
from reporting.services.imports import queue_import

from .base import requesting_user

IMPORT_TEMPLATE = "admin/reporting/balancetransaction/import_ledger.html"
JOB_TEMPLATE = "admin/reporting/balancetransaction/import_job.html"


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
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name=name),
            path("import/<str:job_id>/", self.admin_site.admin_view(self.import_job_view), name=f"{name}_job"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = {**(extra_context or {}), "can_import_ledger": may_import(request)}
        return super().changelist_view(request, context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not may_import(request):
            raise PermissionDenied
        accounts = importable_accounts(request)
        form = LedgerImportForm(request.POST or None, request.FILES or None, accounts=accounts)
        if request.method == "POST" and form.is_valid():
            job = queue_import(
                form.cleaned_data["file"],
                account=form.cleaned_data["account"],
                livemode=form.cleaned_data["mode"] == "live",
                actor=requesting_user(request),
                cell_format=form.cleaned_data["cells"],
            )
            return HttpResponseRedirect(reverse(self._url_name("import_job"), args=[job.pk]))
        recent = ImportJob.objects.filter(account__in=accounts).select_related("account")[:10]
        context = {**self._context(request, "Import ledger CSV"), "form": form, "recent": recent}
        return TemplateResponse(request, IMPORT_TEMPLATE, context)

    def import_job_view(self, request: HttpRequest, job_id: str) -> HttpResponse:
        if not may_import(request):
            raise PermissionDenied
        job = get_object_or_404(
            ImportJob.objects.select_related("account", "actor"), pk=job_id, account__in=importable_accounts(request)
        )
        context = {
            **self._context(request, f"Import {job.filename or job.id}"),
            "job": job,
            "summary": job.summary.splitlines(),
            "import_url": reverse(self._url_name("import")),
        }
        # htmx polls the status block alone while the job runs.
        template = f"{JOB_TEMPLATE}#import-status" if getattr(request, "htmx", False) else JOB_TEMPLATE
        return TemplateResponse(request, template, context)

    def _url_name(self, view: str) -> str:
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}"

    def _context(self, request: HttpRequest, title: str) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "has_view_permission": self.has_view_permission(request),
            "changelist_url": reverse(self._url_name("changelist")),
        }
