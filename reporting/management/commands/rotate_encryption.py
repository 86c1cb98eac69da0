"""Re-encrypt every stored secret with the first of ENCRYPTION_KEYS (README "Rotating the encryption key")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import models

from reporting import crypto
from reporting.models import StripeSource, WebhookEndpoint

# Every model holding an encrypted secret, with the field that holds it.
ENCRYPTED: tuple[tuple[type[models.Model], str], ...] = (
    (StripeSource, "encrypted_key"),
    (WebhookEndpoint, "encrypted_secret"),
)


class Command(BaseCommand):
    help = (
        "Re-encrypt the stored Stripe keys and webhook signing secrets with the newest encryption key, "
        "so that older ones can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = 0
        for model, field in ENCRYPTED:
            for row in model._default_manager.only("pk", field):
                try:
                    token = crypto.rotate(getattr(row, field))
                except crypto.UndecryptableSecret as exc:
                    raise CommandError(f"{row}: {exc}") from None
                model._default_manager.filter(pk=row.pk).update(**{field: token})
                rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} stored secret(s) with the newest encryption key.")
