"""The ledger's objects in the document: balance transactions, the sources they expand to, payouts.

Exactly as reporting.sources.stripe.objects builds them, the one home of their shapes. A source
object's schema is read off that module's table of where each ledger field lives in it
(SOURCE_PATHS), each field typed by its ledger column, so the document cannot drift from the
objects. Stripe's own charges, refunds and disputes carry many more fields: ours hold what the
ledger knows, every key present (null when unknown), as `objects` emits them.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from reporting.models import BalanceTransaction
from reporting.sources.stripe.paths import EXPANDED_OBJECTS, SOURCE_OBJECTS, SOURCE_PATHS

from .schemas import Schema, boolean, object_name, ref, string, timestamp

# Where objects._source adds a card's Link `wallet`: only when the ledger knows whether Link paid.
CARD = "payment_method_details.card"
CARD_TITLE = "payment_method_details_card"
METADATA: Schema = {
    "type": "object",
    "additionalProperties": {"type": "string", "maxLength": 500},
    "description": "Set of key-value pairs attached to the object (`{}` when empty).",
}
# The sources the ledger knows only by id: expanded, they say no more than what they are.
ID_ONLY = sorted(SOURCE_OBJECTS - SOURCE_PATHS.keys())
SOURCE_KINDS = [kind for kind in SOURCE_PATHS if kind != "payout"]


def integer(description: str, **extra: Any) -> Schema:
    return {"type": "integer", "description": description, **extra}


def _column(name: str) -> Schema:
    """The schema of the value a ledger column takes in a source object."""
    field = BalanceTransaction._meta.get_field(name)
    about = f"The ledger's `{name}`."
    if isinstance(field, models.JSONField):
        return METADATA
    if isinstance(field, models.DateTimeField):
        return timestamp(about, nullable=True)
    if isinstance(field, models.IntegerField):
        return integer(about, nullable=True)
    if isinstance(field, models.BooleanField):
        return {**boolean(about), "nullable": True}
    return string(about, nullable=True)


def _tree(paths: dict[str, str]) -> dict[str, Any]:
    """Nest {ledger field: dotted path} into dicts by path; the leaves are ledger field names."""
    tree: dict[str, Any] = {}
    for name, path in paths.items():
        *parents, last = path.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = name
    return tree


def _properties(tree: dict[str, Any], relative: str, path: str) -> dict[str, Schema]:
    """`relative`: the path from the nearest enclosing object that EXPANDED_OBJECTS names fields from."""
    return {key: _node(sub, f"{relative}{key}", f"{path}{key}") for key, sub in tree.items()}


def _node(sub: Any, relative: str, path: str) -> Schema:
    if isinstance(sub, str):
        return _column(sub)
    expandable = relative in EXPANDED_OBJECTS
    properties = _properties(sub, "" if expandable else f"{relative}.", f"{path}.")
    if expandable:
        properties = {"id": string("Unique identifier for the object.", nullable=True), **properties}
        properties["object"] = object_name(EXPANDED_OBJECTS[relative])
    schema: Schema = {"type": "object", "additionalProperties": False, "properties": properties}
    schema["required"] = sorted(properties)
    if path.endswith(CARD):
        schema["title"] = CARD_TITLE
        properties["wallet"] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {"type": {"type": "string", "enum": ["link"]}},
            "nullable": True,
            "description": "`{type: link}` when Link paid, null when not; absent when the ledger does not know.",
        }
    if expandable:
        return {
            "anyOf": [string(), schema],
            "nullable": True,
            "description": f"An id, or the object when `source.{path}` is expanded.",
        }
    # paths.prune: a nested object whose every value is null is null itself.
    return {**schema, "nullable": True}


def source_schema(kind: str) -> Schema:
    """A transaction's source of this kind, expanded: its id, `object`, and what SOURCE_PATHS puts in it."""
    properties = _properties(_tree(SOURCE_PATHS[kind]), "", "")
    properties.pop("id", None)  # a charge's charge_id, or else the source_id: never null
    return {
        "title": f"balance_transaction.source.{kind}",
        "description": f"A `{kind}` as the ledger knows it (Stripe's object holds more).",
        "type": "object",
        "required": sorted({"id", "object", *properties}),
        "additionalProperties": False,
        "properties": {"id": string("Unique identifier for the object."), "object": object_name(kind), **properties},
    }


ID_ONLY_SOURCE: Schema = {
    "title": "balance_transaction.source.other",
    "description": "A source the ledger knows only by its id.",
    "type": "object",
    "required": ["id", "object"],
    "additionalProperties": False,
    "properties": {
        "id": string("Unique identifier for the object."),
        "object": {"type": "string", "enum": ID_ONLY, "description": "The kind of object."},
    },
}
SOURCE_REFS = [
    *(ref(f"balance_transaction.source.{kind}") for kind in SOURCE_KINDS),
    ref("payout"),
    ref("balance_transaction.source.other"),
]

FEE: Schema = {
    "title": "fee",
    "type": "object",
    "required": ["amount", "currency", "type"],
    "additionalProperties": False,
    "properties": {
        "amount": integer("Amount of the fee, in the currency's minor unit."),
        "application": string("ID of the Connect application that earned the fee.", nullable=True),
        "currency": string("Three-letter ISO currency code, in lowercase."),
        "description": string("An arbitrary string attached to the object.", nullable=True),
        "type": string("Type of the fee: `application_fee`, `stripe_fee` or `tax`."),
    },
}

BALANCE_TRANSACTION: Schema = {
    "title": "balance_transaction",
    "description": "Funds moving through the account's balance: one row of the ledger.",
    "type": "object",
    "required": [
        "amount",
        "available_on",
        "created",
        "currency",
        "fee",
        "fee_details",
        "id",
        "net",
        "object",
        "reporting_category",
        "status",
        "type",
    ],
    "additionalProperties": False,
    "properties": {
        "id": string("Unique identifier for the object."),
        "object": object_name("balance_transaction"),
        "amount": integer("Gross amount, in the currency's minor unit; negative when funds leave the balance."),
        "available_on": timestamp("When the net amount becomes available in the balance."),
        "created": timestamp("Time at which the object was created. Measured in seconds since the Unix epoch."),
        "currency": string("Three-letter ISO currency code, in lowercase."),
        "description": string("An arbitrary string attached to the object.", nullable=True),
        "exchange_rate": {
            "type": "number",
            "nullable": True,
            "description": "The rate of a currency conversion: always null, the ledger keeps none.",
        },
        "fee": integer("Fees paid for this transaction, in the currency's minor unit."),
        "fee_details": {
            "type": "array",
            "items": ref("fee"),
            "description": "The fees itemized: empty, the ledger keeps only their total (`fee`).",
        },
        "net": integer("Net amount: `amount` minus `fee`."),
        "reporting_category": string("The transaction's reporting category, such as `charge` or `payout`."),
        "source": {
            "anyOf": [string(), *SOURCE_REFS],
            "nullable": True,
            "description": "The object that caused the transaction: its id, or the object with `expand[]=source`.",
            "x-expansionResources": {"oneOf": SOURCE_REFS},
        },
        "status": string("`available` once `available_on` has passed, else `pending`."),
        "type": string("The transaction's type, such as `charge`, `refund` or `payout`."),
    },
}

PAYOUT: Schema = {
    "title": "payout",
    "description": "Funds sent from the balance to a bank account or debit card.",
    "type": "object",
    "required": [
        "amount",
        "arrival_date",
        "automatic",
        "created",
        "currency",
        "id",
        "livemode",
        "method",
        "object",
        "source_type",
        "status",
        "type",
    ],
    "additionalProperties": False,
    "properties": {
        "id": string("Unique identifier for the object."),
        "object": object_name("payout"),
        "amount": integer("Amount sent, in the currency's minor unit."),
        "arrival_date": timestamp("Date the payout is expected to arrive in the bank."),
        "automatic": boolean("`true` if the payout was created by an automated payout schedule."),
        "created": timestamp("Time at which the object was created. Measured in seconds since the Unix epoch."),
        "currency": string("Three-letter ISO currency code, in lowercase."),
        "description": string("An arbitrary string attached to the object.", nullable=True),
        "destination": string("ID of the bank account or card the payout was sent to.", nullable=True),
        "failure_balance_transaction": {
            "anyOf": [string(), ref("balance_transaction")],
            "nullable": True,
            "description": "The transaction that returned a failed or canceled payout's funds: its id, "
            "or the object with `expand[]=failure_balance_transaction`.",
            "x-expansionResources": {"oneOf": [ref("balance_transaction")]},
        },
        "livemode": boolean("`true` for live-mode objects, `false` for test-mode objects."),
        "metadata": {**METADATA, "nullable": True},
        "method": string("`standard` or `instant`."),
        "source_type": string("The source balance the payout came from: `card`, `fpx` or `bank_account`."),
        "statement_descriptor": string("Extra information shown on the bank statement.", nullable=True),
        "status": string("`paid`, `pending`, `in_transit`, `canceled` or `failed`."),
        "trace_id": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "status": string("Whether the trace id is `pending`, `supported` or `unsupported`.", nullable=True),
                "value": string("The trace id, when the bank gave one.", nullable=True),
            },
            "description": "The bank's trace id of the payout (null fields: not known to the ledger).",
        },
        "type": string("`bank_account` or `card`."),
    },
}

LEDGER_SCHEMAS: dict[str, Schema] = {
    "balance_transaction": BALANCE_TRANSACTION,
    **{f"balance_transaction.source.{kind}": source_schema(kind) for kind in SOURCE_KINDS},
    "balance_transaction.source.other": ID_ONLY_SOURCE,
    "fee": FEE,
    "payout": PAYOUT,
}
