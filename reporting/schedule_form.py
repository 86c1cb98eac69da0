"""The new-report form's "Save as schedule" fields: typed values in, a ScheduleRequest out (the service judges it)."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reporting.forms import SCHEDULE_PREFIX, ZoneSelect
from reporting.models import Account, Schedule, User
from reporting.parameters import timezone_names
from reporting.reports import Report
from reporting.services.runs import RunRequestError
from reporting.services.schedules import ScheduleRequest, periods_for


class RecipientsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.get_username()
        return f"{name} <{obj.email}>"


class ScheduleForm(forms.Form):
    """When and for whom to run the report the form above describes, for a period relative to each run."""

    name = forms.CharField(max_length=200, label=_("Schedule name"))
    period = forms.ChoiceField(
        label=_("Period"), help_text=_("Relative to the day it runs, in the schedule's time zone.")
    )
    cadence = forms.ChoiceField(
        label=_("Runs"),
        choices=Schedule.Cadence.choices,
        error_messages={"invalid_choice": 'Unknown cadence "%(value)s": choose daily, weekly or monthly.'},
    )
    weekday = forms.TypedChoiceField(
        label=_("On (weekly)"),
        choices=[("", "—"), *enumerate(Schedule.WEEKDAYS)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    day_of_month = forms.IntegerField(
        label=_("On day (monthly)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": 31}),
        help_text=_("1 to 31; 29 to 31 run on the last day of shorter months."),
    )
    time_of_day = forms.TimeField(label=_("At"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    timezone = forms.ChoiceField(
        label=_("Time zone of the schedule"), help_text=_("Its due time and its period's days."), widget=ZoneSelect
    )
    recipients = RecipientsField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Email the outcome to"),
        help_text=_(
            "Members of this account with an email address. Webhook endpoints of the account get every run's events."
        ),
        error_messages={"invalid_choice": "%(value)s is not a member of this account with an email address."},
    )

    def __init__(
        self,
        data: Any = None,
        *,
        report: Report | None,
        account: Account,
        owner: User,
        user_timezone: str,
    ) -> None:
        self.report = report
        periods = periods_for(report) if report is not None else list(Schedule.Period)
        initial = {
            "name": f"{report.name}, {periods[-1].label.lower()}" if report is not None else "",
            "period": periods[-1].value,
            "cadence": Schedule.Cadence.MONTHLY,
            "day_of_month": 1,
            "weekday": 0,
            "time_of_day": time(7, 0),
            "timezone": user_timezone,
            "recipients": [owner.pk] if owner.email else [],
        }
        super().__init__(data, prefix=SCHEDULE_PREFIX, initial=initial)
        self.fields["period"].choices = [(p.value, p.label) for p in periods]  # type: ignore[attr-defined]
        self.fields["timezone"].choices = [(z, z) for z in timezone_names()]  # type: ignore[attr-defined]
        members = User.objects.filter(memberships__account=account, is_active=True).exclude(email="")
        self.fields["recipients"].queryset = members.order_by("username")  # type: ignore[attr-defined]

    def to_request(self, report_type_id: str, options: dict[str, Any]) -> ScheduleRequest:
        data = self.cleaned_data
        return ScheduleRequest(
            name=data["name"],
            report_type_id=report_type_id,
            period=data["period"],
            cadence=data["cadence"],
            weekday=data.get("weekday"),
            day_of_month=data.get("day_of_month"),
            time_of_day=data["time_of_day"],
            timezone=data["timezone"],
            options=options,
            recipients=list(data.get("recipients") or []),
        )

    def add_refusal(self, refusal: RunRequestError, run_form: forms.Form) -> None:
        """Show each problem by its field: here, on the report's options above, or at the top of this section."""
        for problem in refusal.problems:
            error = ValidationError(problem.message, code=problem.code)
            if problem.param in self.fields:
                self.add_error(problem.param, error)
            elif problem.param in run_form.fields and problem.param not in run_form.errors:
                run_form.add_error(problem.param, error)
            else:
                self.add_error(None, error)
