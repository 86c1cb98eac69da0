"""The dashboard's wording of a refused run: days and fields a finance user reads, not the API's parameters.

The rules and the API's messages (Stripe's wording, which clients and tests rely
on) stay in reporting.parameters; this layer only rewords the problems whose
code it knows, and leaves every other message as the service wrote it.
"""

from __future__ import annotations

from reporting.periods import DataDays, long_date
from reporting.services.runs import Problem

# The dashboard's date fields, as a sentence names them.
FIELD_NAMES = {"start_date": "start date", "end_date": "end date", "as_of": "as-of date"}


def finance_message(problem: Problem, field: str | None, days: DataDays) -> str:
    """What to say next to `field` (the dashboard's field the problem landed on) for the service's `problem`."""
    name = FIELD_NAMES.get(field or "")
    if name is None:
        return problem.message
    if problem.code == "outside_data_start":
        return f"The {name} is before the first day with data, {long_date(days.first)}."
    if problem.code == "outside_data_end":
        return f"The {name} is after the last day with data, {long_date(days.last)}."
    if problem.code == "interval_order":
        return "The end date must not be before the start date."
    return problem.message
