"""Request a report run: the one place that decides whether a run may be made, whichever door asks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from reporting.models import DataWatermark, Event, IdempotencyKey, Payout, ReportRun, ReportType, data_availability
from reporting.parameters import ParametersForm
from reporting.reports import Report, get_report

from . import limits
from .caller import Caller
from .enqueue import enqueue_on_commit

MAY_NOT_REQUEST = "Your role may not request reports."


@dataclass(frozen=True)
class Problem:
    """One reason a request was refused.

    `param` names what is wrong: `report_type`, one of the type's parameters, or
    None for the request as a whole. `code` is the validation code
    (`required`, `invalid`, `parameter_unknown`, ...), for doors that translate it.
    """

    param: str | None
    message: str
    code: str | None = None


class RunRequestError(Exception):
    """A refused run request, its problems in the order a client should read them (unknown names first)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message)
        self.problems = problems

    @property
    def message(self) -> str:
        return self.problems[0].message


class RunsRateLimited(RunRequestError):
    """The account asked for more runs than RUN_RATE_LIMIT_PER_ACCOUNT allows; it may ask again after `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            [
                Problem(
                    None,
                    f"Too many report runs requested for this account; please try again in {retry_after} seconds.",
                    "rate_limit",
                )
            ]
        )
        self.retry_after = retry_after


class AlreadyRequested(Exception):  # noqa: N818 (not an error: the request was answered before)
    """The one-time token of this request already made `run`: the same request, sent again."""

    def __init__(self, run: ReportRun) -> None:
        super().__init__(run.id)
        self.run = run


# A form's one-time token is kept with the API's Idempotency-Keys, which have the unique
# constraint and the expiry it needs; the prefix keeps it apart from keys API clients choose.
ONCE_PREFIX = "dashboard-form:"


def request_run(
    caller: Caller,
    *,
    report_type_id: str,
    parameters: Mapping[str, Any],
    rerun_of: ReportRun | None = None,
    once: str | None = None,
) -> ReportRun:
    """Validate a request for a run and create it pending, queued once the transaction commits.

    `once`: a one-time token (the dashboard form's): only the first request
    carrying it makes a run; any other, however close behind, raises
    AlreadyRequested with that run. A refused request does not use it up.

    Raises PermissionDenied when the caller's role may not request runs,
    RunRequestError when the type, its mode or the parameters are refused, and
    RunsRateLimited (a RunRequestError) past the account's run rate.
    """
    caller.require_role("can_request", message=MAY_NOT_REQUEST)
    if once is not None:
        replay(caller, once)
    report = get_report(report_type_id)
    report_type = ReportType.objects.filter(pk=report_type_id).first() if report is not None else None
    if report is None or report_type is None:
        raise RunRequestError(
            [Problem("report_type", f"Invalid report_type: {report_type_id} is not a valid report type.")]
        )
    if report_type.live_only and not caller.livemode:
        raise RunRequestError([Problem("report_type", live_only_message(report_type_id), "live_mode_required")])
    if rerun_of is not None and rerun_of.is_pending:
        # It is still on its way (the reaper re-queues or fails lost ones): a copy would be a duplicate.
        raise RunRequestError([Problem(None, "It is still pending: a re-run would duplicate it.", "pending")])
    form = ParametersForm(
        parameters,
        report=report,
        availability=data_availability(caller.account, caller.livemode),
        payouts=Payout.objects.for_mode(caller.account, caller.livemode),
    )
    if not form.is_valid():
        raise RunRequestError(problems_of(form))
    # Counted only for runs that would be made: a refused request costs no share of the rate.
    wait = limits.retry_after(settings.RUN_RATE_LIMIT_PER_ACCOUNT, "runs", caller.account.pk)
    if wait is not None:
        raise RunsRateLimited(wait)
    watermark = DataWatermark.current(caller.account, caller.livemode)
    try:
        with transaction.atomic():
            run = create_run(caller, report, form, rerun_of, watermark)
            if once is not None:
                # A twin in flight waits on the unique key until this commits, then fails and finds this run.
                IdempotencyKey.objects.create(
                    account=caller.account,
                    livemode=caller.livemode,
                    key=ONCE_PREFIX + once,
                    response_status=201,
                    response_body=run.id,
                )
    except IntegrityError:
        if once is None:
            raise
        replay(caller, once)
        raise
    return run


def replay(caller: Caller, once: str) -> None:
    """Raise AlreadyRequested if a request with this one-time token already made a run."""
    made = (
        IdempotencyKey.objects.filter(account=caller.account, livemode=caller.livemode, key=ONCE_PREFIX + once)
        .values_list("response_body", flat=True)
        .first()
    )
    run = ReportRun.objects.filter(pk=made).first() if made else None
    if run is not None:
        raise AlreadyRequested(run)


def create_run(
    caller: Caller, report: Report, form: ParametersForm, rerun_of: ReportRun | None, watermark: datetime | None
) -> ReportRun:
    """The pending run, its event, and its queueing once the transaction commits."""
    run = ReportRun.objects.create(
        account=caller.account,
        livemode=caller.livemode,
        report_type_id=report.id,
        parameters=form.parameters(),
        # The account's setting now: the run (and any retry of it) keeps it, whatever the setting becomes.
        cell_format=caller.account.cell_format,
        requested_by=caller.user,
        requested_by_key=caller.api_key,
        requested_via=caller.door,
        rerun_of=rerun_of,
        data_watermark=watermark,
        enqueued_at=timezone.now(),
        enqueue_count=1,
    )
    action = Event.Action.RUN_RERUN if rerun_of else Event.Action.RUN_REQUESTED
    caller.record(action, run.id, report_type=report.id)
    # Enqueue only after COMMIT, or a fast worker could look for a row that
    # does not exist yet. A broker that is down leaves the run to the reaper:
    # the run exists, so the request succeeds.
    enqueue_on_commit(run.pk)
    return run


def live_only_message(report_type_id: str) -> str:
    return f"The report type {report_type_id} runs on live data only and requires live mode (a live-mode API key)."


def problems_of(form: ParametersForm) -> list[Problem]:
    """The form's errors as problems: names the type does not take first (as Stripe does), then fields in order."""
    errors = form.errors.as_data()
    problems = [
        Problem(str(error.params["param"]), " ".join(error.messages), "parameter_unknown")
        for error in errors.get("__all__", [])
        if error.code == "parameter_unknown" and error.params
    ]
    for name in form.fields:
        problems += [Problem(name, " ".join(error.messages), error.code) for error in errors.get(name, [])]
    problems += [
        Problem(None, " ".join(error.messages), error.code)
        for error in errors.get("__all__", [])
        if error.code != "parameter_unknown"
    ]
    return problems
