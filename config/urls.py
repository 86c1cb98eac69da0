from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from reporting import views

# A busy database answers 503 "try again" rather than 500 (reporting.services.locks).
handler500 = "reporting.views.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("", include("reporting.api.urls")),
    path("", include("reporting.urls")),
]
