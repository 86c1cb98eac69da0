"""Re-encrypt every stored secret with the first of ENCRYPTION_KEYS (README "Rotating the encryption key")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reporting import crypto
from reporting.models import StripeSource


class Command(BaseCommand):
    help = "Re-encrypt the stored Stripe keys with the newest encryption key, so that older ones can be removed."

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = 0
        for source in StripeSource.objects.only("pk", "encrypted_key"):
            try:
                token = crypto.rotate(source.encrypted_key)
            except crypto.UndecryptableSecret as exc:
                raise CommandError(f"{source}: {exc}") from None
            StripeSource.objects.filter(pk=source.pk).update(encrypted_key=token)
            rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} stored key(s) with the newest encryption key.")
