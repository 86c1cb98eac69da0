from __future__ import annotations

from django.urls import path, re_path

from . import openapi
from .views import events, files, ledger, links, not_found, runs, types, webhooks

app_name = "api"
urlpatterns = [
    path("v1/reporting/report_runs", runs.report_runs, name="report-runs"),
    path("v1/reporting/report_runs/<str:run_id>", runs.report_run, name="report-run"),
    path("v1/reporting/report_types", types.report_types, name="report-types"),
    path("v1/reporting/report_types/<str:type_id>", types.report_type, name="report-type"),
    path("v1/files", files.files, name="files"),
    path("v1/files/<str:file_id>", files.file, name="file"),
    path("v1/files/<str:file_id>/contents", files.file_contents, name="file-contents"),
    path("v1/file_links", links.file_links, name="file-links"),
    path("v1/file_links/<str:link_id>", links.file_link, name="file-link"),
    path("v1/balance_transactions", ledger.balance_transactions, name="balance-transactions"),
    path("v1/balance_transactions/<str:txn_id>", ledger.balance_transaction, name="balance-transaction"),
    path("v1/payouts", ledger.payouts, name="payouts"),
    path("v1/payouts/<str:payout_id>", ledger.payout, name="payout"),
    path("v1/events", events.events, name="events"),
    path("v1/events/<str:event_id>", events.event, name="event"),
    path("v1/webhook_endpoints", webhooks.webhook_endpoints, name="webhook-endpoints"),
    path("v1/webhook_endpoints/<str:endpoint_id>", webhooks.webhook_endpoint, name="webhook-endpoint"),
    path("v1/openapi.json", openapi.schema_view, name="openapi"),
    path("links/<str:token>", links.public_link, name="public-link"),
    # Anything else under /v1 answers Stripe's "Unrecognized request URL".
    re_path(r"^v1/(?P<path>.*)$", not_found),
]
