"""Who may use the dashboard: a logged-in member, acting on the account and mode of their membership."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django_htmx.middleware import HtmxDetails

from reporting.models import Door, Membership, User
from reporting.services import Caller


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
        # The dashboard shows one account: the user's first by name.
        membership = (
            Membership.objects.select_related("account")
            .filter(user=request.user)
            .order_by("account__name", "id")
            .first()
        )
        if membership is None:
            raise PermissionDenied("You are not a member of any account.")
        request.membership = membership
        # Live mode only for roles allowed to see it, whatever the session says.
        request.livemode = bool(request.session.get("livemode")) and membership.can_manage
        return view(request, *args, **kwargs)

    return wrapper


def caller(request: DashboardRequest) -> Caller:
    return Caller(request.membership.account, request.livemode, Door.DASHBOARD, user=request.user)
