from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails
from kombu import Connection

from reporting import services
from reporting.forms import RunRequestForm
from reporting.models import (
    ApiKey,
    BalanceTransaction,
    Door,
    Event,
    Membership,
    ReportRun,
    ReportType,
    User,
    data_availability,
)
from reporting.reports import get_report


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
        membership = (
            Membership.objects.select_related("account")
            .filter(user=request.user)
            .order_by("account__name", "pk")
            .first()
        )
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


@require_GET
@member_required
def run_list(request: DashboardRequest) -> HttpResponse:
    runs = runs_for(request).select_related("result", "report_type")
    page = Paginator(runs, 20).get_page(request.GET.get("page"))
    context = {"page": page, "polling": any(run.is_pending for run in page)}
    # htmx polls the table alone: one request per interval, not one per row.
    template = "reporting/reportrun_list.html#run-table" if request.htmx else "reporting/reportrun_list.html"
    return TemplateResponse(request, template, context)


def run_form(request: DashboardRequest, data: Any = None, switch_to: Any = None) -> RunRequestForm:
    account, livemode = request.membership.account, request.livemode
    report_types = list(ReportType.objects.filter(live_only=False) if not livemode else ReportType.objects.all())
    currencies = list(
        BalanceTransaction.objects.for_mode(account, livemode)
        .order_by("currency")
        .values_list("currency", flat=True)
        .distinct()
    )
    user_tz = getattr(request.user, "timezone", "Etc/UTC")
    return RunRequestForm(
        data,
        report_types=[t.id for t in report_types],
        user_timezone=user_tz,
        availability=data_availability(account, livemode),
        currencies=currencies,
        today=timezone.localdate(timezone=zoneinfo.ZoneInfo(user_tz)),
        switch_to=switch_to,
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
    start, end = data_availability(request.membership.account, request.livemode)
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
