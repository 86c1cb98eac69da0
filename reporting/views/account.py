"""The dashboard's settings page: the account's (every member sees them, account admins change them) and the user's own."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST

from reporting import services
from reporting.models import CellFormat

from .access import DashboardRequest, caller, member_required


class CellFormatForm(forms.Form):
    cell_format = forms.ChoiceField(choices=CellFormat.choices, widget=forms.RadioSelect, label="Text cells")


class EmailPreferenceForm(forms.Form):
    email_on_run_end = forms.BooleanField(required=False, label="Email me when my reports end")


@require_http_methods(["GET", "POST"])
@member_required
def account_settings(request: DashboardRequest) -> HttpResponse:
    account = request.membership.account
    form = CellFormatForm(request.POST or None, initial={"cell_format": account.cell_format})
    if request.method == "POST":
        if not request.membership.can_manage:
            raise PermissionDenied(services.accounts.MANAGE_SETTINGS)
        if form.is_valid():
            services.set_cell_format(caller(request), form.cleaned_data["cell_format"])
            return redirect("reporting:account-settings")
    context = {
        "form": form,
        "account": account,
        "safe": account.cell_format == CellFormat.SPREADSHEET_SAFE,
        "email_form": EmailPreferenceForm(initial={"email_on_run_end": request.user.email_on_run_end}),
    }
    return TemplateResponse(request, "reporting/account_settings.html", context, status=400 if form.errors else 200)


@require_POST
@member_required
def email_preference(request: DashboardRequest) -> HttpResponse:
    # Each user's own: any member may change theirs.
    form = EmailPreferenceForm(request.POST)
    if form.is_valid():
        request.user.email_on_run_end = form.cleaned_data["email_on_run_end"]
        request.user.save(update_fields=["email_on_run_end"])
    return redirect("reporting:account-settings")
