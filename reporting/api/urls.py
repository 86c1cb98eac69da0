from __future__ import annotations

from django.urls import path, re_path

from . import openapi, views

app_name = "api"
urlpatterns = [
    path("v1/reporting/report_runs", views.report_runs, name="report-runs"),
    path("v1/reporting/report_runs/<str:run_id>", views.report_run, name="report-run"),
    path("v1/reporting/report_types", views.report_types, name="report-types"),
    path("v1/reporting/report_types/<str:type_id>", views.report_type, name="report-type"),
    path("v1/files", views.files, name="files"),
    path("v1/files/<str:file_id>", views.file, name="file"),
    path("v1/files/<str:file_id>/contents", views.file_contents, name="file-contents"),
    path("v1/file_links", views.file_links, name="file-links"),
    path("v1/file_links/<str:link_id>", views.file_link, name="file-link"),
    path("v1/openapi.json", openapi.schema_view, name="openapi"),
    path("links/<str:token>", views.public_link, name="public-link"),
    # Anything else under /v1 answers Stripe's "Unrecognized request URL".
    re_path(r"^v1/(?P<path>.*)$", views.not_found),
]
