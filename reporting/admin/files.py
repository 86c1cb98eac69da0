"""Admin for report files."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy

from reporting.models import File

from .base import EMPTY, AccountFilter, ModeColumn, ModeFilter, ReadOnlyAdmin, admin_link


@admin.register(File)
class FileAdmin(ModeColumn, ReadOnlyAdmin[File]):
    list_display = (
        "id",
        "account",
        "mode",
        "filename",
        "size_display",
        "created",
        "expires_at",
        "run",
    )
    list_filter = (ModeFilter, ("account", AccountFilter))
    list_select_related = ("account", "report_run")
    search_fields = ("id__exact",)
    fields = (
        "id",
        "account",
        "mode",
        "purpose",
        "filename",
        "type",
        "size_display",
        "size",
        "sha256",
        "storage_name",
        "created",
        "expires_at",
        "run",
    )
    readonly_fields = ("mode", "size_display", "run")

    @admin.display(description=gettext_lazy("size"), ordering="size")
    def size_display(self, file: File) -> str:
        return filesizeformat(file.size)

    @admin.display(description=gettext_lazy("report run"))
    def run(self, file: File) -> str:
        try:
            return admin_link(file.report_run)
        except ObjectDoesNotExist:
            return EMPTY
