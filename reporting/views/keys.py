"""The dashboard's mode switch and API keys page (account admins)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from reporting import services
from reporting.models import ApiKey

from .access import DashboardRequest, caller, member_required


@require_POST
@member_required
def switch_mode(request: DashboardRequest) -> HttpResponse:
    """Switch to the mode posted (`mode`: live or test; the other one when absent).

    Back to test mode at once; into live mode only with `confirm=yes`: without it the
    answer is a page that asks (no script needed) and the mode stays as it was.
    """
    if not request.membership.can_manage:
        raise PermissionDenied("Only account admins can see live mode.")
    target = request.POST.get("mode") or ("test" if request.livemode else "live")
    if target not in ("live", "test"):
        return HttpResponseBadRequest("mode must be live or test.", content_type="text/plain")
    if target == "live" and not request.livemode and request.POST.get("confirm") != "yes":
        return TemplateResponse(request, "reporting/mode_confirm.html")
    request.session["livemode"] = target == "live"
    return redirect("reporting:run-list")


@never_cache  # the new secret must not stay in a browser's or a proxy's cache
@require_http_methods(["GET", "POST"])
@member_required
def api_keys(request: DashboardRequest) -> HttpResponse:
    if not request.membership.can_manage:
        raise PermissionDenied(services.keys.MANAGE_KEYS)
    new_secret = None
    if request.method == "POST":
        _, new_secret = services.issue_key(caller(request), name=request.POST.get("name", "").strip())
    keys = ApiKey.objects.filter(account=request.membership.account, livemode=request.livemode).select_related(
        "created_by"
    )
    # The secret is shown once, in this response, and never stored.
    return TemplateResponse(request, "reporting/apikey_list.html", {"keys": keys, "new_secret": new_secret})


@require_POST
@member_required
def revoke_api_key(request: DashboardRequest, key_id: int) -> HttpResponse:
    key = get_object_or_404(
        ApiKey.objects.active(), pk=key_id, account=request.membership.account, livemode=request.livemode
    )
    services.revoke_key(caller(request), key)
    return redirect("reporting:api-keys")
