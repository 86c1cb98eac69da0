"""The dashboard's wording of a refused run: days and fields a finance user reads, not the API's parameters.

The rules and the API's messages (Stripe's wording, which clients and tests rely
on) stay in reporting.parameters; this layer only rewords the problems whose
code it knows, and leaves every other message as the service wrote it.
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reporting import l10n
from reporting.periods import DataDays
from reporting.services.runs import Problem

# The dashboard's date fields, as a sentence names them.
FIELD_NAMES = {"start_date": _("start date"), "end_date": _("end date"), "as_of": _("as-of date")}


def finance_message(problem: Problem, field: str | None, days: DataDays) -> str:
    """What to say next to `field` (the dashboard's field the problem landed on) for the service's `problem`."""
    name = FIELD_NAMES.get(field or "")
    if name is None:
        return problem.message
    if problem.code == "outside_data_start":
        return gettext("The %(field)s is before the first day with data, %(day)s.") % {
            "field": name,
            "day": l10n.long_day(days.first),
        }
    if problem.code == "outside_data_end":
        return gettext("The %(field)s is after the last day with data, %(day)s.") % {
            "field": name,
            "day": l10n.long_day(days.last),
        }
    if problem.code == "interval_order":
        return gettext("The end date must not be before the start date.")
    return problem.message
