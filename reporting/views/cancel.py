"""The dashboard's Cancel on a pending or running run (the rule: services.cancel)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from reporting.services.cancel import MAY_NOT_CANCEL, AlreadyEnded, cancel_run, may_cancel

from .access import DashboardRequest, caller, member_required
from .runs import runs_for


@require_POST
@member_required
def run_cancel(request: DashboardRequest, run_id: str) -> HttpResponse:
    """The button asks first: without script on a page of its own, with htmx in the browser's confirm
    (hx-confirm, which posts `confirm=yes`); the confirmed POST cancels."""
    run = get_object_or_404(runs_for(request).select_related("report_type"), pk=run_id)
    if not may_cancel(request.user, request.membership, run):
        raise PermissionDenied(MAY_NOT_CANCEL)
    if request.POST.get("confirm") != "yes" and run.is_pending:
        return TemplateResponse(request, "reporting/reportrun_cancel.html", {"run": run})
    try:
        cancel_run(caller(request), run)
    except AlreadyEnded as ended:
        notice, level = str(ended), messages.INFO
    else:
        notice = gettext("Canceled: the run stopped and keeps no file (%(run)s).") % {"run": run.id}
        level = messages.SUCCESS
    if request.htmx:
        # Into the page's notice line (#run-notice); the run's row or status shows the end at its next poll.
        return HttpResponse(format_html("{}", notice))
    messages.add_message(request, level, notice)
    return redirect(run)
