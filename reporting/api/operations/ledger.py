"""The ledger's operations: balance transactions and payouts, listed and retrieved as Stripe's objects."""

from __future__ import annotations

from collections.abc import Iterable

from reporting.api.components import JSON_ERRORS, PAGE_PARAMS, json_ok, param, path_param, query_param
from reporting.api.schemas import string
from reporting.categories import TYPE_CATEGORIES
from reporting.currencies import CURRENCY_CHOICES
from reporting.models import Payout
from reporting.sources.stripe.paths import EXPANDABLE, SOURCE_PATHS

from .operation import Operation


def expandable(paths: Iterable[str]) -> list[str]:
    """The fields EXPANDABLE names that an object whose fields lie at `paths` holds."""
    paths = list(paths)
    return [field for field in EXPANDABLE if any(path.startswith(f"{field}.") for path in paths)]


# A transaction's source, any field of it that can be expanded (paths.EXPANDABLE), and under a
# refund's or a dispute's `charge`, those of a charge.
SOURCE_EXPAND = (
    "source",
    *(f"source.{field}" for field in EXPANDABLE),
    *(f"source.charge.{field}" for field in expandable(SOURCE_PATHS["charge"].values())),
)
FAILURE_EXPAND = ("failure_balance_transaction",)
TRANSACTION_TYPES = sorted(TYPE_CATEGORIES)
PAYOUT_STATUSES = [status.value for status in Payout.Status]

TRANSACTION_ID = path_param("id", "The id of a balance transaction (`txn_…`).")
PAYOUT_ID = path_param("payout", "The id of a payout (`po_…`).")

LIST_BALANCE_TRANSACTIONS = Operation(
    "GET",
    "/v1/balance_transactions",
    "GetBalanceTransactions",
    "List balance transactions, newest first.",
    "Balance transactions",
    {"200": json_ok("balance_transaction_list", "A page of balance transactions."), **JSON_ERRORS},
    parameters=(
        *PAGE_PARAMS,
        query_param(
            "currency",
            "Only transactions in this currency (case does not matter).",
            {"type": "string", "enum": CURRENCY_CHOICES},
        ),
        query_param(
            "payout",
            "Only the transactions this automatic payout settled, and its own `payout` transaction.",
            string(),
        ),
        query_param("source", "Only the transactions of this source (a charge, refund, transfer… id).", string()),
        query_param("type", "Only transactions of this type.", {"type": "string", "enum": TRANSACTION_TYPES}),
    ),
    expand=tuple(f"data.{path}" for path in SOURCE_EXPAND),
    description="A manual payout settles nothing: `payout` names an automatic one (else 400).",
)
RETRIEVE_BALANCE_TRANSACTION = Operation(
    "GET",
    "/v1/balance_transactions/{id}",
    "GetBalanceTransactionsId",
    "Retrieve a balance transaction.",
    "Balance transactions",
    {"200": json_ok("balance_transaction", "The balance transaction."), **JSON_ERRORS},
    parameters=(TRANSACTION_ID,),
    expand=SOURCE_EXPAND,
)
LIST_PAYOUTS = Operation(
    "GET",
    "/v1/payouts",
    "GetPayouts",
    "List payouts, newest first.",
    "Payouts",
    {"200": json_ok("payout_list", "A page of payouts."), **JSON_ERRORS},
    parameters=(
        param("arrival_date"),
        *PAGE_PARAMS,
        query_param("status", "Only payouts with this status.", {"type": "string", "enum": PAYOUT_STATUSES}),
    ),
    expand=tuple(f"data.{path}" for path in FAILURE_EXPAND),
)
RETRIEVE_PAYOUT = Operation(
    "GET",
    "/v1/payouts/{payout}",
    "GetPayoutsPayout",
    "Retrieve a payout.",
    "Payouts",
    {"200": json_ok("payout", "The payout."), **JSON_ERRORS},
    parameters=(PAYOUT_ID,),
    expand=FAILURE_EXPAND,
)
