"""The dashboard's settings page: the account's (every member sees them, account admins change them) and the user's own."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from reporting import services
from reporting.forms import ZoneSelect
from reporting.models import CellFormat
from reporting.parameters import timezone_names

from .access import DashboardRequest, caller, member_required


class CellFormatForm(forms.Form):
    cell_format = forms.ChoiceField(choices=CellFormat.choices, widget=forms.RadioSelect, label=_("Text cells"))


class EmailPreferenceForm(forms.Form):
    email_on_run_end = forms.BooleanField(required=False, label=_("Email me when my reports end"))


class PreferencesForm(forms.Form):
    """The user's own time zone and language: how every page writes times, numbers and dates for them."""

    timezone = forms.ChoiceField(
        label=_("Time zone"),
        widget=ZoneSelect,
        help_text=_("Every time on these pages, and in the admin, is shown in it."),
    )
    language = forms.ChoiceField(
        label=_("Numbers and dates"),
        required=False,
        help_text=_("1,234.56 and 12/06/2026 in English (United States); 1.234,56 and 06.12.2026 in Deutsch."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per form: the ~600 zones are read once a request, not at import.
        cast(forms.ChoiceField, self.fields["timezone"]).choices = [(z, z) for z in timezone_names()]
        cast(forms.ChoiceField, self.fields["language"]).choices = [("", _("As my browser asks")), *settings.LANGUAGES]


def settings_page(
    request: DashboardRequest,
    form: CellFormatForm | None = None,
    preferences: PreferencesForm | None = None,
) -> TemplateResponse:
    account, user = request.membership.account, request.user
    form = form or CellFormatForm(initial={"cell_format": account.cell_format})
    preferences = preferences or PreferencesForm(initial={"timezone": user.timezone, "language": user.language})
    context = {
        "form": form,
        "account": account,
        "safe": account.cell_format == CellFormat.SPREADSHEET_SAFE,
        "email_form": EmailPreferenceForm(initial={"email_on_run_end": user.email_on_run_end}),
        "preferences_form": preferences,
    }
    status = 400 if form.errors or preferences.errors else 200
    return TemplateResponse(request, "reporting/account_settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def account_settings(request: DashboardRequest) -> HttpResponse:
    if request.method == "POST":
        if not request.membership.can_manage:
            raise PermissionDenied(services.accounts.MANAGE_SETTINGS)
        form = CellFormatForm(request.POST)
        if form.is_valid():
            services.set_cell_format(caller(request), form.cleaned_data["cell_format"])
            return redirect("reporting:account-settings")
        return settings_page(request, form=form)
    return settings_page(request)


@require_POST
@member_required
def preferences(request: DashboardRequest) -> HttpResponse:
    # Each user's own: any member may change theirs. A bad value changes nothing and says why.
    form = PreferencesForm(request.POST)
    if not form.is_valid():
        return settings_page(request, preferences=form)
    request.user.timezone = form.cleaned_data["timezone"]
    request.user.language = form.cleaned_data["language"]
    request.user.save(update_fields=["timezone", "language"])
    return redirect("reporting:account-settings")


@require_POST
@member_required
def email_preference(request: DashboardRequest) -> HttpResponse:
    # Each user's own: any member may change theirs.
    form = EmailPreferenceForm(request.POST)
    if form.is_valid():
        request.user.email_on_run_end = form.cleaned_data["email_on_run_end"]
        request.user.save(update_fields=["email_on_run_end"])
    return redirect("reporting:account-settings")
