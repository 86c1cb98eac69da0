"""Forms: one parameters form shared by the dashboard and the API, and the dashboard's run form."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from reporting.currencies import CURRENCY_CHOICES
from reporting.reports import REPORT_TYPES, Report

REPORTING_CATEGORIES = [
    "advance",
    "advance_funding",
    "anticipation_repayment",
    "charge",
    "charge_failure",
    "climate_order_purchase",
    "climate_order_refund",
    "connect_collection_transfer",
    "connect_reserved_funds",
    "contribution",
    "dispute",
    "dispute_reversal",
    "fee",
    "financing_paydown",
    "financing_paydown_reversal",
    "financing_payout",
    "financing_payout_reversal",
    "issuing_authorization_hold",
    "issuing_authorization_release",
    "issuing_dispute",
    "issuing_transaction",
    "network_cost",
    "other_adjustment",
    "partial_capture_reversal",
    "payout",
    "payout_minimum_balance_hold",
    "payout_minimum_balance_release",
    "payout_reversal",
    "platform_earning",
    "platform_earning_refund",
    "refund",
    "refund_failure",
    "revenue_share",
    "risk_reserved_funds",
    "tax",
    "topup",
    "topup_reversal",
    "transfer",
    "transfer_reversal",
    "unreconciled_customer_funds",
]

# Unix seconds up to the year 9999: larger values are out of range, not dates.
MAX_TIMESTAMP = 253402300799


@cache
def timezone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def from_unix(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


class LowercaseChoiceField(forms.ChoiceField):
    """A choice of lowercase codes that also accepts them upper-cased (`USD` → `usd`)."""

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).lower()


class UnknownParameter(ValidationError):
    """An input key the report type does not take (never silently dropped)."""


class ParametersForm(forms.Form):
    """Validate one report type's run parameters against the ledger's availability.

    The API binds it to the `parameters[...]` sub-object, the dashboard to the
    interval it computed from calendar dates; both get the same rules.
    """

    def __init__(self, data: Mapping[str, Any], *, report: Report, availability: tuple[datetime, datetime]) -> None:
        super().__init__(data)
        self.report = report
        self.available_start, self.available_end = availability
        for name in report.parameters:
            self.fields[name] = self.make_field(name)

    def make_field(self, name: str) -> forms.Field:
        if name in ("interval_start", "interval_end"):
            return forms.IntegerField(
                min_value=0,
                max_value=MAX_TIMESTAMP,
                required=name in self.report.required,
                error_messages={"invalid": "Invalid integer."},
            )
        if name == "currency":
            return LowercaseChoiceField(
                choices=[(c, c) for c in CURRENCY_CHOICES],
                required=False,
                error_messages={"invalid_choice": "Unknown currency: %(value)s"},
            )
        if name == "reporting_category":
            return forms.ChoiceField(
                choices=[(c, c) for c in REPORTING_CATEGORIES],
                required=False,
                error_messages={"invalid_choice": "Unknown reporting category: %(value)s"},
            )
        if name == "timezone":
            return forms.ChoiceField(
                choices=[(z, z) for z in timezone_names()],
                required=False,
                error_messages={"invalid_choice": "Unknown time zone: %(value)s"},
            )
        if name == "columns":
            choices = [(c, c) for c in self.report.column_names]
            return forms.MultipleChoiceField(
                choices=choices, required=False, error_messages={"invalid_choice": "Unknown column: %(value)s"}
            )
        raise ValueError(f"{self.report.id} declares an unknown parameter {name!r}")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for key in self.data:
            if key not in self.fields:
                self.add_error(
                    None,
                    UnknownParameter(
                        "Received unknown parameter: %(param)s", code="parameter_unknown", params={"param": key}
                    ),
                )
        start, end = cleaned.get("interval_start"), cleaned.get("interval_end")
        if start is not None and end is not None and start >= end:
            self.add_error(
                "interval_end", ValidationError("interval_end must be after interval_start.", code="invalid")
            )
        elif start is not None and from_unix(start) < self.available_start:
            self.add_error(
                "interval_start",
                ValidationError(
                    "interval_start is before data_available_start (%(limit)s).",
                    code="invalid",
                    params={"limit": f"{self.available_start:%Y-%m-%d %H:%M:%S} UTC"},
                ),
            )
        elif end is not None and from_unix(end) > self.available_end:
            self.add_error(
                "interval_end",
                ValidationError(
                    "interval_end is after data_available_end (%(limit)s).",
                    code="invalid",
                    params={"limit": f"{self.available_end:%Y-%m-%d %H:%M:%S} UTC"},
                ),
            )
        return cleaned

    def parameters(self) -> dict[str, Any]:
        """The normalised parameters to store and echo: only the keys supplied."""
        return {k: v for k, v in self.cleaned_data.items() if k in self.data and v not in (None, "", [])}


class RunRequestForm(forms.Form):
    """The dashboard's new-run form: a report type, calendar dates and that type's options."""

    report_type = forms.ChoiceField()
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), help_text="First day included.")
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), help_text="Last day included.")

    # The Django fields that carry the type's optional parameters.
    OPTION_FIELDS = ("currency", "reporting_category", "timezone", "columns")

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        report_types: list[str],
        user_timezone: str,
        availability: tuple[datetime, datetime],
        currencies: list[str],
        today: date,
        switch_to: Mapping[str, Any] | None = None,
    ) -> None:
        """Bind `data` on submit; `switch_to` re-renders unbound for another report type."""
        self.zone = zoneinfo.ZoneInfo(user_timezone)
        self.availability = availability
        first_of_month = today.replace(day=1)
        last_month_start = (first_of_month - timedelta(days=1)).replace(day=1)
        initial = {
            "start_date": last_month_start,
            "end_date": first_of_month - timedelta(days=1),
            "timezone": user_timezone,
        }
        # Keep what the user already typed when the type changes.
        initial.update(
            {k: v for k, v in (switch_to or {}).items() if k in ("report_type", "start_date", "end_date") and v}
        )
        chosen = str((data or initial).get("report_type") or report_types[0])
        initial["report_type"] = chosen
        self.report = REPORT_TYPES.get(chosen) if chosen in report_types else None
        super().__init__(data, initial=initial)
        cast(forms.ChoiceField, self.fields["report_type"]).choices = [
            (t, f"{REPORT_TYPES[t].name} ({t})") for t in report_types
        ]
        if self.report is not None:
            self.add_option_fields(self.report, currencies)

    def add_option_fields(self, report: Report, currencies: list[str]) -> None:
        if "currency" in report.parameters:
            self.fields["currency"] = forms.ChoiceField(
                choices=[("", "All currencies"), *((c, c.upper()) for c in currencies)], required=False
            )
        if "reporting_category" in report.parameters:
            self.fields["reporting_category"] = forms.ChoiceField(
                choices=[("", "All categories"), *((c, c) for c in REPORTING_CATEGORIES)], required=False
            )
        if "timezone" in report.parameters:
            self.fields["timezone"] = forms.ChoiceField(
                choices=[(z, z) for z in timezone_names()],
                required=False,
                help_text="Formats dates in the file; the interval stays as chosen.",
            )
        if "columns" in report.parameters:
            self.fields["columns"] = forms.MultipleChoiceField(
                choices=[(c, c) for c in report.column_names],
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=report.default_columns,
            )

    def to_interval(self, day: date) -> int:
        """Midnight at the start of `day` in the user's zone, as Unix seconds."""
        return int(datetime.combine(day, time(), tzinfo=self.zone).timestamp())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        extra = sorted(set(self.data) - set(self.fields) - {"csrfmiddlewaretoken"})
        if extra:
            raise ValidationError(
                "Unknown parameter: %(names)s", code="parameter_unknown", params={"names": ", ".join(extra)}
            )
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if self.report is None or start is None or end is None:
            return cleaned
        if end < start:
            self.add_error("end_date", "The last day must not be before the first day.")
            return cleaned
        parameters: dict[str, Any] = {
            "interval_start": self.to_interval(start),
            "interval_end": self.to_interval(end + timedelta(days=1)),
        }
        for name in self.OPTION_FIELDS:
            if cleaned.get(name):
                parameters[name] = cleaned[name]
        self.parameters_form = ParametersForm(parameters, report=self.report, availability=self.availability)
        if not self.parameters_form.is_valid():
            # Show the shared form's errors next to the dashboard's own fields.
            where = {"interval_start": "start_date", "interval_end": "end_date"}
            for name, errors in self.parameters_form.errors.as_data().items():
                for error in errors:
                    self.add_error(None if name == "__all__" else where.get(name, name), error)
        return cleaned

    def parameters(self) -> dict[str, Any]:
        return self.parameters_form.parameters()
