"""The dashboard's Webhooks pages (account admins): the mode's endpoints, each with its delivery log and buttons.

Adding an endpoint shows its signing secret once, in that response (never cached,
never stored in the clear). Deleting asks first, on a page of its own, so it
works without JavaScript. Every change goes through `services.webhooks`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reporting.models import ApiEvent, WebhookAttempt, WebhookEndpoint
from reporting.services import webhooks
from reporting.services.webhook_urls import MAX_URL_LENGTH

from .access import DashboardRequest, caller, member_required

# The delivery log shows this many of an endpoint's newest deliveries, each with its attempts.
DELIVERIES_SHOWN = 25
ALL_EVENTS = "*"


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=MAX_URL_LENGTH,
        help_text=_("Where events are POSTed, as JSON signed with the endpoint's secret (Stripe-Signature)."),
        widget=forms.URLInput(attrs={"placeholder": _("https://example.com/stripe/webhooks"), "spellcheck": "false"}),
    )
    enabled_events = forms.MultipleChoiceField(
        label=_("Events to send"),
        choices=[(ALL_EVENTS, _("Every event (*)")), *ApiEvent.Type.choices],
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=webhooks.MAX_DESCRIPTION)


def _require_admin(request: DashboardRequest) -> None:
    if not request.membership.can_manage:
        raise PermissionDenied(webhooks.MANAGE)


def _endpoints(request: DashboardRequest) -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(account=request.membership.account, livemode=request.livemode))


def _endpoint(request: DashboardRequest, endpoint_id: str) -> WebhookEndpoint:
    return get_object_or_404(
        WebhookEndpoint, pk=endpoint_id, account=request.membership.account, livemode=request.livemode
    )


@never_cache  # the new secret must not stay in a browser's or a proxy's cache
@require_http_methods(["GET", "POST"])
@member_required
def webhook_list(request: DashboardRequest) -> HttpResponse:
    _require_admin(request)
    form = EndpointForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = webhooks.create_endpoint(
                caller(request),
                url=form.cleaned_data["url"],
                enabled_events=form.cleaned_data["enabled_events"],
                description=form.cleaned_data["description"],
            )
        except webhooks.EndpointError as exc:
            form.add_error("enabled_events" if exc.param.startswith("enabled_events") else "url", str(exc))
        else:
            form = EndpointForm()
    context = {"endpoints": _endpoints(request), "form": form, "created": created, "secret": secret}
    return TemplateResponse(request, "reporting/webhook_list.html", context, status=400 if form.errors else 200)


@require_GET
@member_required
def webhook_detail(request: DashboardRequest, endpoint_id: str) -> HttpResponse:
    _require_admin(request)
    endpoint = _endpoint(request, endpoint_id)
    attempts = Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("-number"))
    deliveries = list(
        endpoint.deliveries.select_related("event")
        .prefetch_related(attempts)
        .order_by("-created", "-id")[:DELIVERIES_SHOWN]
    )
    # While one is pending the log polls itself; once none is, it renders without a trigger and polling stops.
    context = {"endpoint": endpoint, "deliveries": deliveries, "polling": any(d.is_pending for d in deliveries)}
    template = "reporting/webhook_detail.html" + ("#delivery-log" if request.htmx else "")
    return TemplateResponse(request, template, context)


@require_POST
@member_required
def webhook_test(request: DashboardRequest, endpoint_id: str) -> HttpResponse:
    _require_admin(request)
    endpoint = _endpoint(request, endpoint_id)
    delivery = webhooks.send_test_event(caller(request), endpoint)
    messages.info(request, f"Test event {delivery.event_id} is on its way: its delivery shows below.")
    return redirect("reporting:webhook-detail", endpoint_id=endpoint.id)


@require_POST
@member_required
def webhook_status(request: DashboardRequest, endpoint_id: str) -> HttpResponse:
    _require_admin(request)
    endpoint = _endpoint(request, endpoint_id)
    disable = request.POST.get("disabled") == "true"
    webhooks.update_endpoint(caller(request), endpoint, disabled=disable)
    messages.success(request, f"{'Disabled' if disable else 'Enabled'} the endpoint {endpoint.url}.")
    return redirect("reporting:webhook-detail", endpoint_id=endpoint.id)


@require_POST
@member_required
def webhook_delete(request: DashboardRequest, endpoint_id: str) -> HttpResponse:
    """The button asks first (a page, no script); the confirmation's own button deletes."""
    _require_admin(request)
    endpoint = _endpoint(request, endpoint_id)
    if request.POST.get("confirm") != "yes":
        return TemplateResponse(request, "reporting/webhook_delete.html", {"endpoint": endpoint})
    webhooks.delete_endpoint(caller(request), endpoint)
    messages.success(request, f"Deleted the endpoint {endpoint.url}. No more events are sent there.")
    return redirect("reporting:webhooks")
