from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self) -> None:
        from .lookups import IndexableExact
        from .models import sync_report_types

        # Keep ReportType rows in step with the code registry after every migrate.
        post_migrate.connect(sync_report_types, sender=self)
        # Every tenant-scoped query filters on livemode through an index.
        for model in self.get_models():
            for field in model._meta.fields:
                if field.name == "livemode":
                    field.register_lookup(IndexableExact)
