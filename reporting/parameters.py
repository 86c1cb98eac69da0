"""One report type's run parameters, validated the same way whichever door they came through."""

from __future__ import annotations

import zoneinfo
from collections import Counter
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
from reporting.reports import Report, versions_of
from reporting.reports.base import METADATA_COLUMN
from reporting.unixtime import MAX_TIMESTAMP, from_unix

# Stripe's limit on a metadata key's length.
MAX_METADATA_KEY = 40
# Metadata columns per run: each is a lookup per row, and SQLite's expression depth caps a line's cells.
MAX_METADATA_COLUMNS = 50


def versions_with(report: Report, column: str) -> list[Report]:
    """The versions of `report`'s type that have `column`, to point a caller at the right one."""
    return [r for r in versions_of(report) if column in r.column_map]


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
    """The type's columns by name, in the requested order; metadata keys where the type takes them.

    Every refusal names the column and the type, with Stripe's `parameter_invalid` code.
    """

    def __init__(self, report: Report) -> None:
        super().__init__(choices=[(c, c) for c in report.column_names], required=False)
        self.report = report

    def valid_value(self, value: Any) -> bool:
        return self.report.column(str(value)) is not None

    def validate(self, value: Any) -> None:
        names = [str(v) for v in value or ()]
        for name in names:
            if (problem := self.problem(name)) is not None:
                raise ValidationError(problem, code="parameter_invalid")
        repeated = next((n for n, count in Counter(names).items() if count > 1), None)
        if repeated is not None:
            raise ValidationError(
                f"Column '{repeated}' is named twice in the columns of {self.report.id}; name each column once.",
                code="parameter_invalid",
            )
        keys = sum(1 for name in names if name not in self.report.column_map)
        if keys > MAX_METADATA_COLUMNS:
            raise ValidationError(
                f"{keys} metadata columns asked for; {self.report.id} writes at most {MAX_METADATA_COLUMNS}.",
                code="parameter_invalid",
            )

    def problem(self, name: str) -> str | None:
        """Say what is wrong with one column name for this type, or None if it is one of its columns."""
        report = self.report
        if name in report.column_map:
            return None
        match = METADATA_COLUMN.fullmatch(name)
        field = match[1] if match else name.removesuffix("[]")
        if field in report.metadata_fields:
            key = match[2] if match else ""
            if not key.strip():
                return f"Column '{name}' names no metadata key; write it as {field}[KEY]."
            if len(key) > MAX_METADATA_KEY:
                return (
                    f"Column '{name}' names a metadata key longer than {MAX_METADATA_KEY} characters, Stripe's limit."
                )
            return None
        versions = [r.id for r in versions_with(report, name) if r.id != report.id]
        where = f" (it is a column of {', '.join(versions)})" if versions else ""
        return f"{report.id} has no column '{name}'{where}."


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
        # The codes name the rule, for doors that word it their own way (reporting.form_messages).
        if start is not None and end is not None and start >= end:
            self.add_error(
                "interval_end", ValidationError("interval_end must be after interval_start.", code="interval_order")
            )
        elif start is not None and from_unix(start) < self.available_start:
            self.add_error("interval_start", self.outside("interval_start is before data_available_start", "start"))
        elif end is not None and from_unix(end) > self.available_end:
            self.add_error("interval_end", self.outside("interval_end is after data_available_end", "end"))
        elif end is not None and from_unix(end) <= self.available_start:
            # A balance as of a moment before the first day with data would be a made-up zero.
            self.add_error("interval_end", self.outside("interval_end is not after data_available_start", "start"))
        return cleaned

    def outside(self, message: str, edge: str) -> ValidationError:
        """An interval edge outside the data availability; the code says which edge of the data it crosses."""
        limit = self.available_start if edge == "start" else self.available_end
        return ValidationError(
            f"{message} (%(limit)s).",
            code=f"outside_data_{edge}",
            params={"limit": f"{limit:%Y-%m-%d %H:%M:%S} UTC"},
        )

    def parameters(self) -> dict[str, Any]:
        """The normalised parameters to store and echo: only the keys supplied."""
        return {k: v for k, v in self.cleaned_data.items() if k in self.data and v not in (None, "", [])}
