from __future__ import annotations

from django.urls import path

from reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.run_list, name="run-list"),
    path("runs/new", views.run_create, name="run-create"),
    path("report-types", views.report_types, name="report-types"),
    path("payouts", views.payout_search, name="payout-search"),
    path("runs/<str:run_id>", views.run_detail, name="run-detail"),
    path("runs/<str:run_id>/download", views.run_download, name="run-download"),
    path("runs/<str:run_id>/cancel", views.run_cancel, name="run-cancel"),
    path("mode", views.switch_mode, name="switch-mode"),
    path("api-keys", views.api_keys, name="api-keys"),
    path("settings", views.account_settings, name="account-settings"),
    path("settings/email", views.email_preference, name="email-preference"),
    path("settings/preferences", views.preferences, name="preferences"),
    path("schedules", views.schedule_list, name="schedule-list"),
    path("schedules/new", views.schedule_create, name="schedule-create"),
    path("schedules/<str:schedule_id>", views.schedule_detail, name="schedule-detail"),
    path("schedules/<str:schedule_id>/pause", views.schedule_pause, name="schedule-pause"),
    path("schedules/<str:schedule_id>/resume", views.schedule_resume, name="schedule-resume"),
    path("schedules/<str:schedule_id>/delete", views.schedule_delete, name="schedule-delete"),
    path("sources", views.data_sources, name="sources"),
    path("sources/sync", views.sync_source, name="source-sync"),
    path("sources/disconnect", views.disconnect_source, name="source-disconnect"),
    path("webhooks", views.webhook_list, name="webhooks"),
    path("webhooks/<str:endpoint_id>", views.webhook_detail, name="webhook-detail"),
    path("webhooks/<str:endpoint_id>/test", views.webhook_test, name="webhook-test"),
    path("webhooks/<str:endpoint_id>/status", views.webhook_status, name="webhook-status"),
    path("webhooks/<str:endpoint_id>/delete", views.webhook_delete, name="webhook-delete"),
    path("api-keys/<int:key_id>/revoke", views.revoke_api_key, name="api-key-revoke"),
]
