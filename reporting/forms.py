"""The dashboard's new-run form: calendar days and choices in, a report type's raw parameters out."""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Collection, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from reporting import l10n
from reporting.catalogue import families, type_label
from reporting.categories import REPORTING_CATEGORIES
from reporting.form_messages import finance_message
from reporting.l10n import ISO_DAY
from reporting.parameters import ColumnsField, timezone_names
from reporting.periods import CUSTOM, DataDays, presets
from reporting.reports import REPORT_TYPES, Report
from reporting.services.runs import RunRequestError

DECIMAL_SEPARATORS = [(".", _("Point: 1234.56")), (",", _("Comma: 1234,56"))]
# The "Save as schedule" fields posted with this form (reporting.schedule_form) carry this prefix.
SCHEDULE_PREFIX = "schedule"


class ZoneSelect(forms.Select):
    """A select of the ~600 time zones, rendered in Python: Django's template per option costs a quarter second."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        chosen = str(value or "")
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((zone, " selected" if zone == chosen else "", label) for zone, label in self.choices),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


class ColumnItem(NamedTuple):
    """One row of the column picker."""

    name: str
    checked: bool
    # Its place among the type's default columns (the picker's "Default columns"); None: not a default one.
    default_position: int | None
    # Its place among the type's declared columns; None: a metadata key column.
    declared_position: int | None


class RunRequestForm(forms.Form):
    """The dashboard's new-run form: a report type, calendar dates or a payout, and that type's options.

    The fields follow the chosen type's `required`: a date range for interval
    types, one "as of" day for ending-balance types, the payout for by-id types.
    For a schedule (`for_schedule`) those are optional and unused: its period
    stands in for them, and `run_parameters` holds the type's options alone.
    """

    report_type = forms.ChoiceField(label=_("Report type"))

    # The Django fields that carry the type's optional parameters, named as the parameters.
    OPTION_FIELDS = ("payout", "currency", "reporting_category", "timezone", "decimal_separator", "columns")
    # What the user typed that survives a change of type.
    KEPT_ON_SWITCH = ("report_type", "period", "start_date", "end_date", "as_of", "payout")

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
        for_schedule: bool = False,
    ) -> None:
        """Bind `data` on submit; `switch_to` re-renders unbound for another report type.

        `live_only`: the types that need live mode.
        """
        self.zone = zoneinfo.ZoneInfo(user_timezone)
        self.for_schedule = for_schedule
        self.availability = availability
        self.days = DataDays.of(availability, self.zone)
        # Computed here, in the user's zone and bounded by the data; the page's script only copies them.
        self.presets = presets(today, self.days)
        first_of_month = today.replace(day=1)
        last_month_end = first_of_month - timedelta(days=1)
        initial: dict[str, Any] = {
            "period": "last_month" if "last_month" in self.presets else CUSTOM,
            "start_date": last_month_end.replace(day=1),
            "end_date": last_month_end,
            "as_of": last_month_end,
            "timezone": user_timezone,
            "decimal_separator": ".",
            # One per form shown: the service makes one run per token, however often it is posted.
            "once": uuid.uuid4().hex,
        }
        # Keep what the user already typed when the type changes.
        kept = {k: v for k, v in (switch_to or {}).items() if k in self.KEPT_ON_SWITCH and v}
        if kept.get("period") in self.presets:
            # A preset chosen without JavaScript ("Use period"): its days replace the dates typed.
            kept["start_date"], kept["end_date"] = self.presets[kept["period"]][1:]
        elif "start_date" in kept and "end_date" in kept:
            # Days without a period ("Run again", a shared link): the preset with those days, else custom.
            days = (str(kept["start_date"]), str(kept["end_date"]))
            kept["period"] = next(
                (v for v, (_, *span) in self.presets.items() if tuple(map(str, span)) == days), CUSTOM
            )
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
        self.run_parameters: dict[str, Any] = {}
        super().__init__(data, initial=initial)
        self.fields["once"] = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
        cast(forms.ChoiceField, self.fields["report_type"]).choices = self.type_choices(report_types, live_only)
        if self.report is not None and not self.needs_live_mode:
            self.add_date_fields(self.report)
            self.add_option_fields(self.report, currencies)

    @property
    def question(self) -> str:
        """What the chosen type answers, in the user's language (marked where the report declares it)."""
        return gettext(self.report.question) if self.report is not None and self.report.question else ""

    @staticmethod
    def type_choices(report_types: list[str], live_only: Collection[str]) -> list[tuple[str, list[tuple[str, str]]]]:
        """The types grouped by family, each labelled with its name, its version's mark and whether it needs live mode."""
        return [
            (
                family.name,
                [
                    (
                        e.report.id,
                        _("%(label)s — live mode only") % {"label": type_label(e.report.id)}
                        if e.live_only
                        else type_label(e.report.id),
                    )
                    for e in family.entries
                ],
            )
            for family in families([REPORT_TYPES[t] for t in report_types], live_only)
        ]

    def add_date_fields(self, report: Report) -> None:
        def day(label: StrOrPromise, help_text: StrOrPromise) -> forms.DateField:
            return forms.DateField(
                label=label,
                widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DAY),
                help_text=help_text,
                required=not self.for_schedule,
            )

        if "interval_start" in report.required:
            self.fields["period"] = forms.ChoiceField(
                choices=[*((v, preset[0]) for v, preset in self.presets.items()), (CUSTOM, _("Custom"))],
                label=_("Period"),
                required=False,
                help_text=_("Days with data: %(first)s to %(last)s.")
                % {"first": l10n.day(self.days.first), "last": l10n.day(self.days.last)},
            )
            self.fields["start_date"] = day(_("Start date"), _("First day included."))
            self.fields["end_date"] = day(_("End date"), _("Last day included."))
        elif "interval_end" in report.required:
            self.fields["as_of"] = day(_("As of"), _("The balance at the end of this day, in your time zone."))

    def add_option_fields(self, report: Report, currencies: list[str]) -> None:
        if "payout" in report.parameters:
            self.fields["payout"] = forms.CharField(
                label=_("Payout"),
                max_length=64,
                required="payout" in report.required and not self.for_schedule,
                help_text=_(
                    "An automatic payout's id (po_…). Type an id, an arrival date (YYYY-MM-DD) or an amount to search."
                ),
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": _("po_…")}),
            )
        if "currency" in report.parameters:
            self.fields["currency"] = forms.ChoiceField(
                label=_("Currency"),
                choices=[("", _("All currencies")), *((c, c.upper()) for c in currencies)],
                required=False,
            )
        if "reporting_category" in report.parameters:
            self.fields["reporting_category"] = forms.ChoiceField(
                label=_("Reporting category"),
                choices=[("", _("All categories")), *((c, c) for c in REPORTING_CATEGORIES)],
                required=False,
            )
        if "timezone" in report.parameters:
            self.fields["timezone"] = forms.ChoiceField(
                label=_("Time zone"),
                choices=[(z, z) for z in timezone_names()],
                widget=ZoneSelect,
                required=False,
                help_text=_("Formats dates in the file; the interval stays as chosen."),
            )
        if "decimal_separator" in report.parameters:
            self.fields["decimal_separator"] = forms.ChoiceField(
                label=_("Decimal separator"), choices=DECIMAL_SEPARATORS, required=False
            )
        if "columns" in report.parameters:
            # Rendered as the column picker: checkboxes, submitted in the order listed.
            columns = ColumnsField(report)
            columns.initial = report.default_columns or report.column_names
            columns.label = _("Columns")
            columns.help_text = _("Tick the columns to include; the file has them in the order listed.")
            self.fields["columns"] = columns
            # Sent by the rendered form alone: a form with no column ticked is told so, while a bare
            # POST without `columns` (a script's) keeps meaning the type's default columns.
            self.fields["columns_listed"] = forms.BooleanField(initial=True, required=False, widget=forms.HiddenInput)

    def column_items(self) -> list[ColumnItem]:
        """The column picker's rows: the chosen columns in their order, then the others as declared."""
        if "columns" not in self.fields:
            return []
        report = cast(Report, self.report)
        chosen = [str(c) for c in (self["columns"].value() or [])]
        chosen = [c for c in dict.fromkeys(chosen) if report.column(c) is not None]
        others = [c for c in report.column_names if c not in chosen]
        defaults = {name: i for i, name in enumerate(report.default_columns)}
        declared = {name: i for i, name in enumerate(report.column_names)}
        return [ColumnItem(name, name in chosen, defaults.get(name), declared.get(name)) for name in chosen + others]

    def metadata_columns(self) -> tuple[str, ...]:
        """What a metadata key column can read (`payment_metadata`), for the picker's "add" box."""
        return cast(Report, self.report).metadata_fields if "columns" in self.fields else ()

    def to_interval(self, day: date) -> int:
        """Midnight at the start of `day` in the user's zone, as Unix seconds."""
        return int(datetime.combine(day, time(), tzinfo=self.zone).timestamp())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.needs_live_mode:
            return cleaned  # the type's fields are not shown: the service refuses it in this mode, and says why
        extra = sorted(
            name
            for name in set(self.data) - set(self.fields) - {"csrfmiddlewaretoken"}
            if not name.startswith(f"{SCHEDULE_PREFIX}-")
        )
        if extra:
            raise ValidationError(
                _("Unknown parameter: %(names)s"), code="parameter_unknown", params={"names": ", ".join(extra)}
            )
        if cleaned.get("columns_listed") and not cleaned.get("columns") and "columns" not in self.errors:
            # Unticking every box is how the picker says "none": a file needs a column.
            self.add_error("columns", ValidationError(_("Choose at least one column."), code="required"))
        if self.report is None or any(name in self.errors for name in ("start_date", "end_date", "as_of")):
            return cleaned
        parameters = {} if self.for_schedule else self.interval(cleaned)
        if parameters is None:
            return cleaned
        # Options left at the type's defaults are not stored: the run says what was asked.
        defaults = {"decimal_separator": ".", "columns": self.report.default_columns}
        for name in self.OPTION_FIELDS:
            if self.for_schedule and name == "payout":
                continue  # the schedule's period picks the payout
            if cleaned.get(name) and cleaned[name] != defaults.get(name):
                parameters[name] = cleaned[name]
        self.run_parameters = parameters
        return cleaned

    def add_refusal(self, refusal: RunRequestError) -> None:
        """Show why the service refused the run next to the fields the user filled in."""
        where = {"interval_start": "start_date", "interval_end": "end_date" if "end_date" in self.fields else "as_of"}
        for problem in refusal.problems:
            field = where.get(problem.param or "", problem.param)
            if field in self.errors:
                continue  # the dashboard's own field already says what is wrong
            error = ValidationError(finance_message(problem, field, self.days), code=problem.code)
            self.add_error(field if field in self.fields else None, error)

    def interval(self, cleaned: dict[str, Any]) -> dict[str, Any] | None:
        """The Unix-second interval the chosen days stand for, or None after adding an error."""
        if "as_of" in cleaned:
            return {"interval_end": self.to_interval(cleaned["as_of"] + timedelta(days=1))}
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start is None or end is None:
            return {}
        if end < start:
            self.add_error("end_date", _("The last day must not be before the first day."))
            return None
        begin = self.to_interval(start)
        if start == self.days.first:
            # The first day with data starts at data_available_start, which may fall after its local midnight.
            begin = max(begin, int(self.availability[0].timestamp()))
        return {"interval_start": begin, "interval_end": self.to_interval(end + timedelta(days=1))}

    def period_options(self) -> list[tuple[str, StrOrPromise, str, str]]:
        """The period select's options: value, label, and a preset's first and last day (ISO; "" for custom)."""
        return [
            *((value, label, f"{first}", f"{last}") for value, (label, first, last) in self.presets.items()),
            (CUSTOM, _("Custom"), "", ""),
        ]

    def error_summary(self) -> list[tuple[str, str]]:
        """Every error, in the page's order, with the id of the field it belongs to ("" for the form's own)."""
        items = [("", str(message)) for message in self.non_field_errors()]
        for field in self:
            target = "id_columns_0" if field.name == "columns" else field.id_for_label
            items += [(target, str(message)) for message in field.errors]
        return items
