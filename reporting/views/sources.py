"""The dashboard's Data sources page: the mode's Stripe account, how its syncs go, and the buttons that act on it.

Every member sees the status; analysts and admins start a sync; account admins
connect and disconnect. The key goes from the form to `services.sources` and is
never rendered again, not even back into the form after an error.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from reporting import l10n
from reporting.models import DataWatermark, StripeSource, data_availability
from reporting.services import sources
from reporting.services.sources import SourceError, SyncStatus
from reporting.sources.stripe.client import REQUIRED_ACCESS
from reporting.templatetags.reporting import in_words

from .access import DashboardRequest, caller, member_required

CONNECT = "Only an account admin can connect or disconnect a Stripe account."
SYNC = "Only an analyst or an admin can start a sync."
# "Sync now" keeps the status polling until a worker takes the sync (last_attempt_at moves), at most this long.
QUEUED_KEY = "stripe_sync_queued"
WAIT_FOR_WORKER = timedelta(minutes=2)


class StripeKeyForm(forms.Form):
    # PasswordInput never renders its value: a refused key is not sent back in the page.
    secret = forms.CharField(
        label=_("Stripe secret or restricted key"),
        max_length=255,
        help_text=_(
            "The key is checked with one call to Stripe, then stored encrypted. It is never shown again:"
            " this page shows only its prefix and last four characters."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}),
    )


def _mode(request: DashboardRequest) -> str:
    return "live" if request.livemode else "test"


def _waiting_for_worker(request: DashboardRequest, source: StripeSource) -> bool:
    queued_at = request.session.get(QUEUED_KEY, {}).get(_mode(request))
    if queued_at is None:
        return False
    queued = datetime.fromtimestamp(queued_at, UTC)
    if timezone.now() - queued > WAIT_FOR_WORKER:
        return False
    return source.last_attempt_at is None or source.last_attempt_at < queued


def status_context(request: DashboardRequest, source: StripeSource | None) -> dict[str, Any]:
    """What the status section shows; rendered whole and, while a sync runs, polled alone."""
    if source is None:
        return {"source": None, "polling": False}
    account, livemode = request.membership.account, request.livemode
    status = SyncStatus(source)
    watermark = DataWatermark.current(account, livemode)
    start, end = data_availability(account, livemode)
    waiting = not status.running and _waiting_for_worker(request, source)
    return {
        "source": source,
        "status": status,
        "waiting": waiting,
        "polling": status.running or waiting,
        "last_rows": l10n.count(source.last_rows_pulled),
        "rows": l10n.count(source.rows_pulled),
        "complete_through": watermark,
        # Reports may read the ledger up to the watermark: how far it trails now is the data's lag.
        "lag": in_words(timezone.now() - watermark) if watermark else "",
        "available_end": end if start < end else None,
    }


@require_http_methods(["GET", "POST"])
@member_required
def data_sources(request: DashboardRequest) -> HttpResponse:
    source = sources.source_of(request.membership.account.pk, request.livemode)
    if request.htmx and request.method == "GET":
        if source is None:
            # Disconnected since the page loaded: the whole page changes (the connect form appears).
            return HttpResponseClientRefresh()
        return TemplateResponse(request, "reporting/sources.html#source-status", status_context(request, source))
    form = StripeKeyForm(request.POST or None)
    if request.method == "POST":
        if not request.membership.can_manage:
            raise PermissionDenied(CONNECT)
        if source is not None:
            # A page loaded before someone else connected: replacing their key, and keeping its cursors, is not this
            # form's job (the key might be another Stripe account's).
            messages.error(
                request,
                f"A Stripe account is already connected in this mode (key {source.key_hint}): "
                "disconnect it first to connect another.",
            )
            return redirect("reporting:sources")
        if form.is_valid():
            try:
                source = sources.connect_stripe(caller(request), form.cleaned_data["secret"])
            except SourceError as exc:
                form.add_error("secret", str(exc))
            else:
                messages.success(request, f"Connected the Stripe account of key {source.key_hint}.")
                _queue_sync(request)  # the first sync now, rather than at beat's next round
                return redirect("reporting:sources")
    context = {
        **status_context(request, source),
        "form": form,
        "required_access": REQUIRED_ACCESS,
        "sync_every": in_words(timedelta(seconds=every)) if (every := _beat_every()) else "",
    }
    return TemplateResponse(request, "reporting/sources.html", context, status=400 if form.errors else 200)


def _beat_every() -> float | None:
    """Seconds between beat's syncs of every source (STRIPE_SYNC_EVERY)."""
    schedule = settings.CELERY_BEAT_SCHEDULE.get("sync-stripe-sources", {}).get("schedule")
    return float(schedule) if isinstance(schedule, int | float) else None


def _queue_sync(request: DashboardRequest) -> None:
    try:
        queued = sources.request_sync(caller(request))
    except SourceError as exc:
        messages.error(request, str(exc))
        return
    if queued:
        request.session[QUEUED_KEY] = {
            **request.session.get(QUEUED_KEY, {}),
            _mode(request): timezone.now().timestamp(),
        }
        messages.info(request, "A sync is queued: this page follows it.")
    else:
        messages.warning(
            request,
            "The task queue is unavailable right now, so the sync was not queued; the scheduled sync will run it.",
        )


@require_POST
@member_required
def sync_source(request: DashboardRequest) -> HttpResponse:
    if not request.membership.can_request:
        raise PermissionDenied(SYNC)
    _queue_sync(request)
    return redirect("reporting:sources")


@require_POST
@member_required
def disconnect_source(request: DashboardRequest) -> HttpResponse:
    """The button asks first (a page, no script); the confirmation's own button disconnects."""
    if not request.membership.can_manage:
        raise PermissionDenied(CONNECT)
    source = sources.source_of(request.membership.account.pk, request.livemode)
    if source is None:
        return redirect("reporting:sources")
    if request.POST.get("confirm") != "yes":
        return TemplateResponse(request, "reporting/source_disconnect.html", {"source": source})
    sources.disconnect_stripe(caller(request))
    messages.success(
        request, f"Disconnected the Stripe account of key {source.key_hint}. Its data stays in the ledger."
    )
    return redirect("reporting:sources")
