"""One report type's run parameters, validated the same way whichever door they came through."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from reporting.categories import REPORTING_CATEGORIES
from reporting.currencies import CURRENCY_CHOICES
from reporting.models import Payout
from reporting.reports import Report
from reporting.unixtime import MAX_TIMESTAMP, from_unix


@cache
def timezone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones())


class LowercaseChoiceField(forms.ChoiceField):
    """A choice of lowercase codes that also accepts them upper-cased (`USD` → `usd`)."""

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).lower()


class UnknownParameter(ValidationError):
    """An input key the report type does not take (never silently dropped)."""


class ColumnsField(forms.MultipleChoiceField):
    """The type's columns by name, in the requested order; metadata keys where the type takes them."""

    def __init__(self, report: Report) -> None:
        super().__init__(
            choices=[(c, c) for c in report.column_names],
            required=False,
            error_messages={"invalid_choice": "Unknown column: %(value)s"},
        )
        self.report = report

    def valid_value(self, value: Any) -> bool:
        return self.report.column(str(value)) is not None


class ParametersForm(forms.Form):
    """Validate one report type's run parameters against the ledger's availability.

    The API binds it to the `parameters[...]` sub-object, the dashboard to the
    interval it computed from calendar dates; both get the same rules.
    """

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        report: Report,
        availability: tuple[datetime, datetime],
        payouts: QuerySet[Payout] | None = None,
    ) -> None:
        """`payouts`: the account's payouts in the run's mode, where `payout` must be found."""
        super().__init__(data)
        self.report = report
        self.available_start, self.available_end = availability
        self.payouts = payouts if payouts is not None else Payout.objects.none()
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
            return ColumnsField(self.report)
        if name == "payout":
            return forms.CharField(required=name in self.report.required, max_length=64, strip=False)
        if name == "decimal_separator":
            return forms.ChoiceField(
                choices=[(".", "."), (",", ",")],
                required=False,
                error_messages={"invalid_choice": "decimal_separator must be '.' or ',', not %(value)s."},
            )
        raise ValueError(f"{self.report.id} declares an unknown parameter {name!r}")

    def clean_payout(self) -> str | None:
        payout = self.cleaned_data.get("payout")
        if not payout:
            return None
        # Only automatic payouts settle transactions: a manual one has nothing to reconcile.
        if not self.payouts.filter(stripe_id=payout, automatic=True).exists():
            raise ValidationError("No such automatic payout: '%(payout)s'", code="invalid", params={"payout": payout})
        return str(payout)

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
