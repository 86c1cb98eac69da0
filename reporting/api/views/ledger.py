"""Balance transactions and payouts: list, retrieve. The ledger, in objects built by reporting.sources.stripe.objects."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.http import JsonResponse
from django.http.response import HttpResponseBase

from reporting.api import serializers
from reporting.api.auth import ApiRequest, api_view, check
from reporting.api.errors import StripeError, resource_missing
from reporting.api.operations import (
    LIST_BALANCE_TRANSACTIONS,
    LIST_PAYOUTS,
    RETRIEVE_BALANCE_TRANSACTION,
    RETRIEVE_PAYOUT,
)
from reporting.api.operations.ledger import PAYOUT_STATUSES, TRANSACTION_TYPES
from reporting.api.pagination import paginate, time_filter
from reporting.api.params import expanded, one_of, string
from reporting.api.rows import one
from reporting.currencies import CURRENCY_CHOICES
from reporting.models import BalanceTransaction, Payout
from reporting.sources.stripe import objects

# The transactions that return a payout's funds when it fails or is canceled: its failure_balance_transaction.
FAILURE_TYPES = ("payout_failure", "payout_cancel")


def transactions_of(request: ApiRequest) -> QuerySet[BalanceTransaction]:
    # The payout a payout's own (or failure) transaction moves: the object its expanded source shows.
    return BalanceTransaction.objects.for_mode(request.account, request.livemode).select_related("payout")


def payouts_of(request: ApiRequest) -> QuerySet[Payout]:
    return Payout.objects.for_mode(request.account, request.livemode)


def failures_of(payouts: Iterable[Payout]) -> dict[int, BalanceTransaction]:
    """The transaction that returned each payout's funds, if it failed or was canceled, by payout pk: one query."""
    pks = {payout.pk for payout in payouts}
    if not pks:
        return {}
    found: dict[int, BalanceTransaction] = {}
    for txn in BalanceTransaction.objects.filter(payout__in=pks, type__in=FAILURE_TYPES).order_by("created", "id"):
        if txn.payout_id is not None:
            found.setdefault(txn.payout_id, txn)
    return found


def transaction_objects(txns: list[BalanceTransaction], expand: Collection[str]) -> list[dict[str, Any]]:
    """The balance_transaction objects of `txns`; `expand` holds paths from a transaction ("source.charge")."""
    failures = failures_of(t.payout for t in txns if t.payout is not None) if "source" in expand else {}
    return [
        objects.balance_transaction(txn, expand=expand, payout=txn.payout, failure=failures.get(txn.payout_id or 0))
        for txn in txns
    ]


def settled_by(request: ApiRequest, payout_id: str) -> Q:
    """What the `payout` filter lists, as Stripe does: what the payout settled, and the payout itself."""
    payout = one(payouts_of(request).filter(stripe_id=payout_id))
    if payout is None:
        raise resource_missing("payout", payout_id, param="payout")
    if not payout.automatic:
        # Only an automatic payout settles transactions (a manual one is swept by the next automatic one).
        raise StripeError(
            f"Balance transactions can only be filtered by an automatic payout; {payout_id} is a manual one.",
            code="parameter_invalid",
            param="payout",
        )
    return Q(automatic_payout=payout) | Q(payout=payout, type="payout")


@api_view(LIST_BALANCE_TRANSACTIONS)
def balance_transactions(request: ApiRequest) -> HttpResponseBase:
    expand = expanded(check(request), "data.")
    params = request.params
    everything = transactions_of(request)
    queryset = everything
    if "type" in params:
        queryset = queryset.filter(type=one_of(string(params["type"], "type"), "type", TRANSACTION_TYPES))
    if "currency" in params:
        currency = string(params["currency"], "currency").lower()  # Stripe takes `USD` too
        queryset = queryset.filter(currency=one_of(currency, "currency", CURRENCY_CHOICES))
    if "source" in params:
        queryset = queryset.filter(source_id=string(params["source"], "source"))
    if "payout" in params:
        queryset = queryset.filter(settled_by(request, string(params["payout"], "payout")))
    # A cursor is any of the key's transactions, whichever the filters list (as on Stripe).
    page, has_more = paginate(
        queryset, params, kind="balance transaction", id_field="stripe_id", cursor_scope=everything
    )
    return JsonResponse(serializers.list_dict("/v1/balance_transactions", transaction_objects(page, expand), has_more))


@api_view(RETRIEVE_BALANCE_TRANSACTION)
def balance_transaction(request: ApiRequest, txn_id: str) -> HttpResponseBase:
    expand = expanded(check(request))
    txn = one(transactions_of(request).filter(stripe_id=txn_id))
    if txn is None:
        raise resource_missing("balance transaction", txn_id)
    return JsonResponse(transaction_objects([txn], expand)[0])


@api_view(LIST_PAYOUTS)
def payouts(request: ApiRequest) -> HttpResponseBase:
    expand = expanded(check(request), "data.")
    params = request.params
    everything = payouts_of(request)
    queryset = everything
    if "arrival_date" in params:
        queryset = queryset.filter(time_filter(params["arrival_date"], "arrival_date"))
    if "status" in params:
        queryset = queryset.filter(status=one_of(string(params["status"], "status"), "status", PAYOUT_STATUSES))
    page, has_more = paginate(queryset, params, kind="payout", id_field="stripe_id", cursor_scope=everything)
    failures = failures_of(page)
    data = [objects.payout_object(payout, failure=failures.get(payout.pk), expand=expand) for payout in page]
    return JsonResponse(serializers.list_dict("/v1/payouts", data, has_more))


@api_view(RETRIEVE_PAYOUT)
def payout(request: ApiRequest, payout_id: str) -> HttpResponseBase:
    expand = check(request)
    found = one(payouts_of(request).filter(stripe_id=payout_id))
    if found is None:
        raise resource_missing("payout", payout_id)
    return JsonResponse(objects.payout_object(found, failure=failures_of([found]).get(found.pk), expand=expand))
