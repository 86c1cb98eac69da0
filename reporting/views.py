from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails
from kombu import Connection

from reporting import services
from reporting.api.serializers import path_of
from reporting.catalogue import families, search_payouts
from reporting.currencies import format_amount
from reporting.db import first_membership, run_table_page
from reporting.forms import RunRequestForm
from reporting.models import (
    ApiKey,
    BalanceTransaction,
    Door,
    Event,
    Membership,
    Payout,
    ReportRun,
    ReportType,
    User,
    data_availability,
)
from reporting.reports import REPORT_TYPES, get_report
from reporting.templatetags.reporting import interval


class DashboardRequest(HttpRequest):
    user: User  # member_required has checked the login
    htmx: HtmxDetails
    membership: Membership
    livemode: bool


View = Callable[..., HttpResponseBase]


def member_required(view: View) -> View:
    """Require a login and a membership; set the request's account and mode."""

    @wraps(view)
    @login_required
    def wrapper(request: DashboardRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        membership = first_membership(request.user.pk)
        if membership is None:
            raise PermissionDenied("You are not a member of any account.")
        request.membership = membership
        # Live mode only for roles allowed to see it, whatever the session says.
        request.livemode = bool(request.session.get("livemode")) and membership.can_manage
        # Show every date in the user's own zone.
        with timezone.override(zoneinfo.ZoneInfo(request.user.timezone)):
            response = view(request, *args, **kwargs)
            if isinstance(response, TemplateResponse):
                response.render()  # while the zone is still active
            return response

    return wrapper


def runs_for(request: DashboardRequest) -> Any:
    return ReportRun.objects.for_mode(request.membership.account, request.livemode)


# Runs


RUNS_PER_PAGE = 20


def run_page(request: DashboardRequest) -> tuple[list[ReportRun], str | None, str | None]:
    """One page of runs, newest first, and the cursors of the pages next to it.

    Keyset pagination: `?starting_after=<run id>` lists the runs older than that
    run, `?ending_before=<run id>` those newer. One query whatever the number of
    runs, and no COUNT(*), which the list polled every 2 s while a run is pending.
    Returns (runs, older, newer): the ids for the "Older" and "Newer" links, or None.
    """
    after, before = request.GET.get("starting_after"), request.GET.get("ending_before")
    account_id, livemode = request.membership.account_id, request.livemode
    page = run_table_page(account_id, livemode, after=after, before=before, limit=RUNS_PER_PAGE + 1)
    more = len(page) > RUNS_PER_PAGE
    page = page[:RUNS_PER_PAGE]
    if before:
        page.reverse()  # read oldest first, from the cursor on
        return page, (page[-1].id if page else None), (page[0].id if more else None)
    # Newest first: older runs follow if there are more; newer ones precede a cursor page.
    return page, (page[-1].id if more else None), (page[0].id if after and page else None)


def run_rows(runs: list[ReportRun]) -> list[dict[str, Any]]:
    """What the run table shows of each run, formatted here in the user's zone.

    The table is polled every 2 s while a run is pending: plain strings cost the
    template a fraction of what resolving model attributes, filters and {% url %}
    for 20 rows did.
    """
    rows = []
    zone = timezone.get_current_timezone()  # once: each lookup reads a context-local
    for run in runs:
        created = run.created.astimezone(zone)
        rows.append(
            {
                "id": run.id,
                "url": path_of("reporting:run-detail", run.id),
                "type_id": run.report_type_id,
                "type_name": run.report_type.name,
                "interval": interval(run, zone),
                "status": run.status,
                "status_display": run.get_status_display(),
                "created": f"{created:%Y-%m-%d %H:%M}",
                "zone": created.tzname() or "",
                "download_url": path_of("reporting:run-download", run.id) if run.status == "succeeded" else "",
                "size": filesizeformat(run.result.size) if run.result else "",
                "error": run.error,
                "started": run.started_at is not None,
            }
        )
    return rows


@require_GET
@member_required
def run_list(request: DashboardRequest) -> HttpResponse:
    runs, older, newer = run_page(request)
    if not runs and (request.GET.get("starting_after") or request.GET.get("ending_before")):
        # An unknown cursor (or a page emptied since): start again from the newest runs.
        url = reverse("reporting:run-list")
        return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)
    context = {"rows": run_rows(runs), "older": older, "newer": newer, "polling": any(run.is_pending for run in runs)}
    # htmx polls the table alone: one request per interval, not one per row.
    template = "reporting/reportrun_list.html#run-table" if request.htmx else "reporting/reportrun_list.html"
    return TemplateResponse(request, template, context)


def report_types_for(request: DashboardRequest) -> tuple[list[str], set[str]]:
    """The registered types in the registry's order, and those the back office made live-only."""
    rows = dict(ReportType.objects.filter(id__in=list(REPORT_TYPES)).values_list("id", "live_only"))
    return [t for t in REPORT_TYPES if t in rows], {t for t, live_only in rows.items() if live_only}


def run_form(request: DashboardRequest, data: Any = None, switch_to: Any = None) -> RunRequestForm:
    account, livemode = request.membership.account, request.livemode
    report_types, live_only = report_types_for(request)
    currencies = list(
        BalanceTransaction.objects.for_mode(account, livemode)
        .order_by("currency")
        .values_list("currency", flat=True)
        .distinct()
    )
    user_tz = getattr(request.user, "timezone", "Etc/UTC")
    return RunRequestForm(
        data,
        report_types=report_types,
        user_timezone=user_tz,
        availability=data_availability(account, livemode),
        currencies=currencies,
        today=timezone.localdate(timezone=zoneinfo.ZoneInfo(user_tz)),
        switch_to=switch_to,
        live_only=live_only,
        livemode=livemode,
        payouts=Payout.objects.for_mode(account, livemode),
    )


@require_http_methods(["GET", "POST"])
@member_required
def run_create(request: DashboardRequest) -> HttpResponse:
    if request.method == "POST":
        if not request.membership.can_request:
            raise PermissionDenied("Your role may not request reports.")
        form = run_form(request, request.POST)
        if form.is_valid() and form.report is not None:
            services.request_report_run(
                account=request.membership.account,
                livemode=request.livemode,
                report=form.report,
                parameters=form.parameters(),
                door=Door.DASHBOARD,
                user=request.user,
            )
            url = reverse("reporting:run-list")
            return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)
    else:
        # Changing the report type re-renders the form with that type's fields.
        form = run_form(request, switch_to=request.GET)
    start, end = form.availability
    context = {"form": form, "available_start": start, "available_end": end, "has_data": start < end}
    template = "reporting/reportrun_form.html#run-form" if request.htmx else "reporting/reportrun_form.html"
    status = 400 if request.method == "POST" and not request.htmx else 200
    return TemplateResponse(request, template, context, status=status)


@require_GET
@member_required
def run_detail(request: DashboardRequest, run_id: str) -> HttpResponse:
    run = get_object_or_404(
        runs_for(request).select_related("result", "report_type", "requested_by", "requested_by_key"), pk=run_id
    )
    template = "reporting/reportrun_detail.html#run-status" if request.htmx else "reporting/reportrun_detail.html"
    return TemplateResponse(request, template, {"run": run})


@require_GET
@member_required
def run_download(request: DashboardRequest, run_id: str) -> FileResponse:
    run = get_object_or_404(runs_for(request).select_related("result"), pk=run_id, status=ReportRun.Status.SUCCEEDED)
    file = run.result
    if file is None or file.is_expired:
        raise Http404("This file has expired.")
    Event.record(
        Event.Action.FILE_DOWNLOADED,
        door=Door.DASHBOARD,
        account=run.account,
        livemode=run.livemode,
        actor=request.user,
        object_id=file.id,
    )
    # Named after the days the user picked, in their own zone (the stored name uses the run's).
    report = get_report(run.report_type_id)
    name = report.filename(services.params_for(run), timezone.get_current_timezone()) if report else file.filename
    return FileResponse(file.open(), as_attachment=True, filename=name, content_type="text/csv")


# Mode and API keys


@require_POST
@member_required
def switch_mode(request: DashboardRequest) -> HttpResponse:
    if not request.membership.can_manage:
        raise PermissionDenied("Only account admins can see live mode.")
    request.session["livemode"] = not request.livemode
    return redirect("reporting:run-list")


@require_http_methods(["GET", "POST"])
@member_required
def api_keys(request: DashboardRequest) -> HttpResponse:
    if not request.membership.can_manage:
        raise PermissionDenied("Only account admins can manage API keys.")
    account, new_secret = request.membership.account, None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()[:100]
        key, new_secret = ApiKey.issue(account=account, livemode=request.livemode, name=name, created_by=request.user)
        Event.record(
            Event.Action.KEY_CREATED,
            door=Door.DASHBOARD,
            account=account,
            livemode=key.livemode,
            actor=request.user,
            object_id=str(key.pk),
        )
    keys = ApiKey.objects.filter(account=account, livemode=request.livemode).select_related("created_by")
    # The secret is shown once, in this response, and never stored.
    return TemplateResponse(request, "reporting/apikey_list.html", {"keys": keys, "new_secret": new_secret})


@require_POST
@member_required
def revoke_api_key(request: DashboardRequest, key_id: int) -> HttpResponse:
    if not request.membership.can_manage:
        raise PermissionDenied("Only account admins can manage API keys.")
    key = get_object_or_404(
        ApiKey.objects.active(), pk=key_id, account=request.membership.account, livemode=request.livemode
    )
    key.revoke()
    Event.record(
        Event.Action.KEY_REVOKED,
        door=Door.DASHBOARD,
        account=key.account,
        livemode=key.livemode,
        actor=request.user,
        object_id=str(key.pk),
    )
    return redirect("reporting:api-keys")


# Health


def _check(probe: Callable[[], None]) -> str:
    try:
        probe()
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def _ping_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _ping_broker() -> None:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check(_ping_database), "broker": _check(_ping_broker)}
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)


# Report type catalogue and the new-run form's payout picker


@require_GET
@member_required
def report_types(request: DashboardRequest) -> HttpResponse:
    types, live_only = report_types_for(request)
    start, end = data_availability(request.membership.account, request.livemode)
    context = {
        "families": families([REPORT_TYPES[t] for t in types], live_only),
        "available_start": start,
        "available_end": end,
        "has_data": start < end,
    }
    return TemplateResponse(request, "reporting/reporttype_list.html", context)


@require_GET
@member_required
def payout_search(request: DashboardRequest) -> HttpResponse:
    # The form's payout input searches as the user types (htmx sends its value as `payout`).
    text = request.GET.get("q", request.GET.get("payout", ""))[:100]
    payouts = search_payouts(request.membership.account, request.livemode, text)
    results = [(p, format_amount(p.amount, p.currency)) for p in payouts]
    report_type = request.GET.get("report_type", "")
    context = {"results": results, "q": text, "report_type": report_type if report_type in REPORT_TYPES else ""}
    template = "reporting/payout_list.html#payout-results" if request.htmx else "reporting/payout_list.html"
    return TemplateResponse(request, template, context)
