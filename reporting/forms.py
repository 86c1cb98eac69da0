"""Forms: one parameters form shared by the dashboard and the API, and the dashboard's run form."""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection, Mapping
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from reporting.catalogue import families
from reporting.categories import REPORTING_CATEGORIES
from reporting.currencies import CURRENCY_CHOICES
from reporting.models import Payout
from reporting.models.ledger import METADATA_FIELDS
from reporting.reports import REPORT_TYPES, Report
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


DECIMAL_SEPARATORS = [(".", "Point: 1234.56"), (",", "Comma: 1234,56")]


class RunRequestForm(forms.Form):
    """The dashboard's new-run form: a report type, calendar dates or a payout, and that type's options.

    The fields follow the chosen type's `required`: a date range for interval
    types, one "as of" day for ending-balance types, the payout for by-id types.
    """

    report_type = forms.ChoiceField()

    # The Django fields that carry the type's optional parameters, named as the parameters.
    OPTION_FIELDS = ("payout", "currency", "reporting_category", "timezone", "decimal_separator", "columns")
    # What the user typed that survives a change of type.
    KEPT_ON_SWITCH = ("report_type", "start_date", "end_date", "as_of", "payout")

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
        live_only: Collection[str] = (),
        livemode: bool = False,
        payouts: QuerySet[Payout] | None = None,
    ) -> None:
        """Bind `data` on submit; `switch_to` re-renders unbound for another report type.

        `live_only`: the types that need live mode; `payouts`: the account's in this mode.
        """
        self.zone = zoneinfo.ZoneInfo(user_timezone)
        self.availability = availability
        self.payouts = payouts
        first_of_month = today.replace(day=1)
        last_month_end = first_of_month - timedelta(days=1)
        initial: dict[str, Any] = {
            "start_date": last_month_end.replace(day=1),
            "end_date": last_month_end,
            "as_of": last_month_end,
            "timezone": user_timezone,
            "decimal_separator": ".",
        }
        # Keep what the user already typed when the type changes.
        kept = {k: v for k, v in (switch_to or {}).items() if k in self.KEPT_ON_SWITCH and v}
        if "as_of" not in kept and "end_date" in kept:
            kept["as_of"] = kept["end_date"]
        elif "end_date" not in kept and "as_of" in kept:
            kept["end_date"] = kept["as_of"]
        initial.update(kept)
        chosen = str((data or initial).get("report_type") or report_types[0])
        initial["report_type"] = chosen
        self.report = REPORT_TYPES.get(chosen) if chosen in report_types else None
        # A live-only type is listed in test mode too, but cannot run there.
        self.needs_live_mode = self.report is not None and self.report.id in live_only and not livemode
        super().__init__(data, initial=initial)
        cast(forms.ChoiceField, self.fields["report_type"]).choices = self.type_choices(report_types, live_only)
        if self.report is not None and not self.needs_live_mode:
            self.add_date_fields(self.report)
            self.add_option_fields(self.report, currencies)

    @staticmethod
    def type_choices(report_types: list[str], live_only: Collection[str]) -> list[tuple[str, list[tuple[str, str]]]]:
        """The types grouped by family, each labelled with its name, id and whether it needs live mode."""
        return [
            (
                family.name,
                [
                    (e.report.id, f"{e.report.name} ({e.report.id}){' — live mode only' if e.live_only else ''}")
                    for e in family.entries
                ],
            )
            for family in families([REPORT_TYPES[t] for t in report_types], live_only)
        ]

    def add_date_fields(self, report: Report) -> None:
        def day(label: str, help_text: str) -> forms.DateField:
            return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}), help_text=help_text)

        if "interval_start" in report.required:
            self.fields["start_date"] = day("Start date", "First day included.")
            self.fields["end_date"] = day("End date", "Last day included.")
        elif "interval_end" in report.required:
            self.fields["as_of"] = day("As of", "The balance at the end of this day, in your time zone.")

    def add_option_fields(self, report: Report, currencies: list[str]) -> None:
        if "payout" in report.parameters:
            self.fields["payout"] = forms.CharField(
                max_length=64,
                required="payout" in report.required,
                help_text="An automatic payout's id (po_…). Type an id, an arrival date (YYYY-MM-DD) or an amount to search.",
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "po_…"}),
            )
        if "currency" in report.parameters:
            self.fields["currency"] = forms.ChoiceField(
                choices=[("", "All currencies"), *((c, c.upper()) for c in currencies)], required=False
            )
        if "reporting_category" in report.parameters:
            self.fields["reporting_category"] = forms.ChoiceField(
                label="Reporting category",
                choices=[("", "All categories"), *((c, c) for c in REPORTING_CATEGORIES)],
                required=False,
            )
        if "timezone" in report.parameters:
            self.fields["timezone"] = forms.ChoiceField(
                label="Time zone",
                choices=[(z, z) for z in timezone_names()],
                required=False,
                help_text="Formats dates in the file; the interval stays as chosen.",
            )
        if "decimal_separator" in report.parameters:
            self.fields["decimal_separator"] = forms.ChoiceField(
                label="Decimal separator", choices=DECIMAL_SEPARATORS, required=False
            )
        if "columns" in report.parameters:
            # Rendered as the column picker: checkboxes, submitted in the order listed.
            columns = ColumnsField(report)
            columns.initial = report.default_columns or report.column_names
            columns.help_text = "Tick the columns to include; the file has them in the order listed."
            self.fields["columns"] = columns

    def column_items(self) -> list[tuple[str, bool]]:
        """The column picker's rows: the chosen columns in their order, then the others as declared."""
        if "columns" not in self.fields:
            return []
        report = cast(Report, self.report)
        chosen = [str(c) for c in (self["columns"].value() or [])]
        chosen = [c for c in dict.fromkeys(chosen) if report.column(c) is not None]
        others = [c for c in report.column_names if c not in chosen]
        return [(c, True) for c in chosen] + [(c, False) for c in others]

    def metadata_columns(self) -> tuple[str, ...]:
        """What a metadata key column can read (`payment_metadata`), for the picker's "add" box."""
        return METADATA_FIELDS if "columns" in self.fields and cast(Report, self.report).metadata_columns else ()

    def to_interval(self, day: date) -> int:
        """Midnight at the start of `day` in the user's zone, as Unix seconds."""
        return int(datetime.combine(day, time(), tzinfo=self.zone).timestamp())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.report is not None and self.needs_live_mode:
            raise ValidationError(
                "%(type)s runs on live data only, and this dashboard is in test mode. "
                "An account admin can switch to live mode to run it.",
                code="live_mode_required",
                params={"type": self.report.id},
            )
        extra = sorted(set(self.data) - set(self.fields) - {"csrfmiddlewaretoken"})
        if extra:
            raise ValidationError(
                "Unknown parameter: %(names)s", code="parameter_unknown", params={"names": ", ".join(extra)}
            )
        if self.report is None or any(name in self.errors for name in ("start_date", "end_date", "as_of")):
            return cleaned
        parameters = self.interval(cleaned)
        if parameters is None:
            return cleaned
        # Options left at the type's defaults are not stored: the run says what was asked.
        defaults = {"decimal_separator": ".", "columns": self.report.default_columns}
        for name in self.OPTION_FIELDS:
            if cleaned.get(name) and cleaned[name] != defaults.get(name):
                parameters[name] = cleaned[name]
        self.parameters_form = ParametersForm(
            parameters, report=self.report, availability=self.availability, payouts=self.payouts
        )
        if not self.parameters_form.is_valid():
            # Show the shared form's errors next to the dashboard's own fields.
            where = {
                "interval_start": "start_date",
                "interval_end": "end_date" if "end_date" in self.fields else "as_of",
            }
            for name, errors in self.parameters_form.errors.as_data().items():
                field = where.get(name, name)
                if field in self.errors:
                    continue  # the dashboard's own field already says what is wrong
                for error in errors:
                    self.add_error(field if field in self.fields else None, error)
        return cleaned

    def interval(self, cleaned: dict[str, Any]) -> dict[str, Any] | None:
        """The Unix-second interval the chosen days stand for, or None after adding an error."""
        if "as_of" in cleaned:
            return {"interval_end": self.to_interval(cleaned["as_of"] + timedelta(days=1))}
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start is None or end is None:
            return {}
        if end < start:
            self.add_error("end_date", "The last day must not be before the first day.")
            return None
        return {"interval_start": self.to_interval(start), "interval_end": self.to_interval(end + timedelta(days=1))}

    def parameters(self) -> dict[str, Any]:
        return self.parameters_form.parameters()
