"""Where an account's ledger comes from when it is synced: a Stripe account, per mode."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .accounts import Account


class StripeSource(models.Model):
    """A Stripe account whose balance transactions and payouts fill one mode of an account's ledger.

    The key is stored encrypted (`reporting.crypto`) and never shown again. The
    sync's progress lives here, written in the same transaction as the rows it
    covers: every balance transaction created before `synced_through` is in the
    ledger, and every automatic payout that arrived before `links_through` has
    its settled transactions linked.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="stripe_sources")
    livemode = models.BooleanField(default=False)
    encrypted_key = models.TextField(help_text=_("The Stripe key, encrypted with ENCRYPTION_KEYS (Fernet)."))
    key_hint = models.CharField(max_length=32, help_text=_("The key's prefix and last four characters."))
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    synced_through = models.DateTimeField(null=True, blank=True)
    links_through = models.DateTimeField(null=True, blank=True)
    # A sync in flight holds the source: its heartbeat, renewed as it works; a stale one may be taken over.
    sync_heartbeat = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    rows_pulled = models.BigIntegerField(default=0, help_text=_("Balance transactions added by every sync so far."))
    last_rows_pulled = models.BigIntegerField(default=0, help_text=_("Balance transactions added by the last sync."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "livemode"], name="stripe_source_unique_mode")]

    def __str__(self) -> str:
        return f"{self.account_id}/{'live' if self.livemode else 'test'} from Stripe ({self.key_hint})"
