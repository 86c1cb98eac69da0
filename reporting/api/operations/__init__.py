"""Every operation of the API, declared once: the OpenAPI document and the views' checks read it.

An operation is one method on one path. Its query parameters and form body name what its
view accepts, and its `expand` the paths the view expands, so the document cannot offer a
parameter the view refuses, nor the view take one the document does not list. They are
declared by resource, the Reporting API's (`reporting`), the ledger's (`ledger`) and the
events' and webhook endpoints' (`webhooks`).
"""

from __future__ import annotations

from .ledger import LIST_BALANCE_TRANSACTIONS, LIST_PAYOUTS, RETRIEVE_BALANCE_TRANSACTION, RETRIEVE_PAYOUT
from .operation import Operation
from .reporting import (
    CREATE_FILE_LINK,
    CREATE_REPORT_RUN,
    DOWNLOAD_FILE,
    DOWNLOAD_LINK,
    GET_OPENAPI,
    LIST_FILE_LINKS,
    LIST_FILES,
    LIST_REPORT_RUNS,
    LIST_REPORT_TYPES,
    RETRIEVE_FILE,
    RETRIEVE_FILE_LINK,
    RETRIEVE_REPORT_RUN,
    RETRIEVE_REPORT_TYPE,
    UPDATE_FILE_LINK,
)
from .webhooks import (
    CREATE_WEBHOOK_ENDPOINT,
    DELETE_WEBHOOK_ENDPOINT,
    LIST_EVENTS,
    LIST_WEBHOOK_ENDPOINTS,
    RETRIEVE_EVENT,
    RETRIEVE_WEBHOOK_ENDPOINT,
    UPDATE_WEBHOOK_ENDPOINT,
)

# In the document's order.
OPERATIONS = (
    LIST_REPORT_RUNS,
    CREATE_REPORT_RUN,
    RETRIEVE_REPORT_RUN,
    LIST_REPORT_TYPES,
    RETRIEVE_REPORT_TYPE,
    LIST_FILES,
    RETRIEVE_FILE,
    DOWNLOAD_FILE,
    LIST_FILE_LINKS,
    CREATE_FILE_LINK,
    RETRIEVE_FILE_LINK,
    UPDATE_FILE_LINK,
    DOWNLOAD_LINK,
    LIST_BALANCE_TRANSACTIONS,
    RETRIEVE_BALANCE_TRANSACTION,
    LIST_PAYOUTS,
    RETRIEVE_PAYOUT,
    LIST_EVENTS,
    RETRIEVE_EVENT,
    LIST_WEBHOOK_ENDPOINTS,
    CREATE_WEBHOOK_ENDPOINT,
    RETRIEVE_WEBHOOK_ENDPOINT,
    UPDATE_WEBHOOK_ENDPOINT,
    DELETE_WEBHOOK_ENDPOINT,
    GET_OPENAPI,
)

__all__ = [
    "CREATE_FILE_LINK",
    "CREATE_REPORT_RUN",
    "CREATE_WEBHOOK_ENDPOINT",
    "DELETE_WEBHOOK_ENDPOINT",
    "LIST_EVENTS",
    "LIST_WEBHOOK_ENDPOINTS",
    "RETRIEVE_EVENT",
    "RETRIEVE_WEBHOOK_ENDPOINT",
    "UPDATE_WEBHOOK_ENDPOINT",
    "DOWNLOAD_FILE",
    "DOWNLOAD_LINK",
    "GET_OPENAPI",
    "LIST_BALANCE_TRANSACTIONS",
    "LIST_FILES",
    "LIST_FILE_LINKS",
    "LIST_PAYOUTS",
    "LIST_REPORT_RUNS",
    "LIST_REPORT_TYPES",
    "OPERATIONS",
    "RETRIEVE_BALANCE_TRANSACTION",
    "RETRIEVE_FILE",
    "RETRIEVE_FILE_LINK",
    "RETRIEVE_PAYOUT",
    "RETRIEVE_REPORT_RUN",
    "RETRIEVE_REPORT_TYPE",
    "UPDATE_FILE_LINK",
    "Operation",
]
