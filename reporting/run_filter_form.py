"""The run list's filter form: the query string in, a RunQuery out.

A GET form, so a filtered list is a link: the pager and the 2 s poll carry its
query string. Its choices come from code (the type registry, the statuses, the
doors), so reading it costs no query, even on every poll.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from reporting.catalogue import type_label
from reporting.l10n import ISO_DAY
from reporting.models import Door, ReportRun
from reporting.reports import REPORT_TYPES
from reporting.services.run_search import BadSearch, RunQuery, search_condition

# The query string's filter keys, in the order links write them; the cursors are not among them.
FILTER_KEYS = ("q", "report_type", "status", "via", "requester", "from", "to")


def _day(label: StrOrPromise) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DAY))


class RunFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Run or file id"),
        required=False,
        max_length=64,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("frr_… or file_…"), "spellcheck": "false", "autocomplete": "off"}
        ),
    )
    report_type = forms.ChoiceField(label=_("Report type"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ReportRun.Status.choices]
    )
    via = forms.ChoiceField(label=_("Requested through"), required=False, choices=[("", _("Any way")), *Door.choices])
    requester = forms.CharField(
        label=_("Requested by"),
        required=False,
        max_length=150,
        help_text=_("A user's login or an API key's name."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # Named as the query string writes them: `from` is a Python keyword.
    from_ = _day(_("Requested from"))
    to = _day(_("Requested to"))

    def __init__(self, data: Mapping[str, Any], *, user_timezone: str) -> None:
        # Only the filter keys: the cursors and anything else in the query string are not the form's.
        super().__init__({k: data[k] for k in FILTER_KEYS if data.get(k)})
        self.zone = zoneinfo.ZoneInfo(user_timezone)
        self.fields["report_type"].choices = [  # type: ignore[attr-defined]
            ("", _("Any type")),
            *((t, type_label(t)) for t in REPORT_TYPES),
        ]

    def add_prefix(self, field_name: str) -> str:
        # Inputs (and the data they read) are named after the query string's keys: `from`, not `from_`.
        return "from" if field_name == "from_" else field_name

    def clean_q(self) -> str:
        text = str(self.cleaned_data.get("q") or "").strip()
        if text:
            try:
                search_condition(text)
            except BadSearch as exc:
                raise ValidationError(str(exc), code="bad_search") from exc
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from_"), cleaned.get("to")
        if start and end and end < start:
            self.add_error("to", _("The last day must not be before the first day."))
        return cleaned

    @property
    def active(self) -> bool:
        return bool(self.data)

    def query(self) -> RunQuery:
        """The valid form's RunQuery; days are the user's, the `to` day included."""
        cleaned = self.cleaned_data
        return RunQuery(
            report_type=cleaned.get("report_type") or "",
            status=cleaned.get("status") or "",
            door=cleaned.get("via") or "",
            requester=cleaned.get("requester") or "",
            created_from=self.midnight(cleaned.get("from_")),
            created_before=self.midnight(cleaned["to"] + timedelta(days=1)) if cleaned.get("to") else None,
            search=cleaned.get("q") or "",
        )

    def midnight(self, day: date | None) -> datetime | None:
        return None if day is None else datetime.combine(day, time(), tzinfo=self.zone)

    def query_string(self) -> str:
        """The filters as the pager's links and the reset link repeat them (no cursor)."""
        return urlencode([(k, self.data[k]) for k in FILTER_KEYS if k in self.data])
