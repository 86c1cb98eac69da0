"""Users, tenants, memberships and API keys."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.ids import ALPHABET, new_account_id
from reporting.spreadsheet import CellFormat


class User(AbstractUser):
    timezone = models.CharField(
        max_length=64, default="Etc/UTC", help_text=_("IANA time zone used for dates in the dashboard.")
    )
    # A code from settings.LANGUAGES (checked by the forms that set it, not here: the list may change).
    language = models.CharField(
        max_length=16,
        blank=True,
        default="",
        help_text=_(
            "How numbers and dates are written (a code from settings.LANGUAGES); empty: the browser's language."
        ),
    )
    email_on_run_end = models.BooleanField(
        "email when a run ends",
        default=True,
        help_text=_(
            "Email when a run this user requested on the dashboard, or a run of a schedule listing them, ends."
        ),
    )

    def membership_for(self, account: Account) -> Membership | None:
        return self.memberships.filter(account=account).first()


class Account(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_account_id, editable=False)
    name = models.CharField(max_length=200)
    created = models.DateTimeField(default=timezone.now)
    cell_format = models.CharField(
        "text cells",
        max_length=16,
        choices=CellFormat,
        default=CellFormat.SPREADSHEET_SAFE,
        help_text=(
            "How report files write text cells. Spreadsheet-safe puts a ' before text that a spreadsheet would "
            "run as a formula (=, +, -, @, tab, carriage return); Stripe-exact writes the bytes Stripe writes. "
            "Each run keeps the form it was requested in; imports read this form unless told otherwise."
        ),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class Membership(models.Model):
    class Role(models.TextChoices):
        VIEWER = "viewer", _("Viewer")
        ANALYST = "analyst", _("Analyst")
        ADMIN = "admin", _("Admin")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role, default=Role.VIEWER)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "account"], name="membership_unique_user_account")]

    def __str__(self) -> str:
        return f"{self.user} in {self.account_id} as {self.role}"

    @property
    def can_request(self) -> bool:
        return self.role in {self.Role.ANALYST, self.Role.ADMIN}

    @property
    def can_manage(self) -> bool:
        """Manage API keys and see live-mode data."""
        return self.role == self.Role.ADMIN


def digest_secret(secret: str) -> str:
    # Secrets are 48 random base62 characters, so a fast hash is enough to make a
    # leaked table useless, and it keeps the per-request check cheap and indexed.
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_secret(livemode: bool) -> str:
    prefix = "sk_live_" if livemode else "sk_test_"
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(48))


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)

    def for_secret(self, secret: str) -> ApiKeyQuerySet:
        """The key of a secret, revoked or not, with its account: at most one row."""
        return self.select_related("account").filter(digest=digest_secret(secret))

    def authenticate(self, secret: str) -> ApiKey | None:
        """Return the active key for a secret, or None."""
        key = self.active().for_secret(secret).first()
        if key is not None:
            key.touch()
        return key


class ApiKey(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_keys")
    livemode = models.BooleanField(default=False)
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, help_text=_("First characters of the secret, for display."))
    last4 = models.CharField(max_length=4)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.masked

    @property
    def masked(self) -> str:
        return f"{self.prefix}…{self.last4}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def issue(
        cls,
        *,
        account: Account,
        livemode: bool,
        name: str = "",
        created_by: User | None = None,
        secret: str | None = None,
    ) -> tuple[ApiKey, str]:
        """Create a key and return it with its secret, which is never stored."""
        secret = secret or generate_secret(livemode)
        key = cls.objects.create(
            account=account,
            livemode=livemode,
            name=name,
            prefix=secret[:12],
            last4=secret[-4:],
            digest=digest_secret(secret),
            created_by=created_by,
        )
        return key, secret

    def revoke(self) -> bool:
        """Revoke the key unless it already is; return whether this call revoked it."""
        revoked = type(self).objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.refresh_from_db(fields=["revoked_at"])
        return bool(revoked)

    def touch(self) -> None:
        # At most one write a minute per key: last_used_at is informative, not exact.
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at > timedelta(minutes=1):
            type(self).objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
