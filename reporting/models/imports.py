"""One ledger import: queued from the admin (or run at once by the command), its progress and its outcome."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.ids import random_id

from .accounts import Account
from .runs import Door


def new_import_id() -> str:
    return random_id("imp_")


class ImportBusy(Exception):
    """Another import into the same account and mode is running; this one waits its turn."""

    def __init__(self, running: ImportJob) -> None:
        super().__init__(f"Another import into this account's {running.mode} mode is running ({running.id}).")
        self.running = running


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Phase(models.TextChoices):
        WAITING = "", _("Waiting")
        READING = "reading", _("Reading the file")
        CHECKING = "checking", _("Checking it against the ledger")
        WRITING = "writing", _("Writing")

    id = models.CharField(primary_key=True, max_length=40, default=new_import_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    livemode = models.BooleanField(default=False)
    door = models.CharField(max_length=16, choices=Door)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True)
    size = models.BigIntegerField(default=0, help_text=_("Bytes."))
    # The stored upload (imports storage) the task reads; empty for the command, which reads its own file.
    upload_name = models.CharField(max_length=255, blank=True)
    # The form of the file's text cells (CellFormat); empty: the account's setting when it runs.
    cell_format = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED)
    phase = models.CharField(max_length=16, choices=Phase, default=Phase.WAITING, blank=True)
    bytes_read = models.BigIntegerField(default=0)
    rows_read = models.BigIntegerField(default=0)
    rows_checked = models.BigIntegerField(default=0)
    rows_to_write = models.BigIntegerField(default=0)
    rows_written = models.BigIntegerField(default=0)
    summary = models.TextField(blank=True, help_text=_("What the import did (ImportResult.summary)."))
    problems = models.JSONField(default=list, blank=True, help_text=_("Why nothing was imported, line by line."))
    created = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written with every progress step: a running import whose heartbeat stops has lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # One import at a time per account and mode: each checks the rows against a
            # ledger no other import is changing, then writes them (ledger_import.importing).
            models.UniqueConstraint(
                fields=["account", "livemode"], condition=Q(status="running"), name="import_one_running_per_mode"
            ),
        ]
        indexes = [models.Index(fields=["account", "livemode", "-created"], name="import_mode_created")]

    def __str__(self) -> str:
        return self.id

    @property
    def mode(self) -> str:
        return "live" if self.livemode else "test"

    @property
    def is_terminal(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        """How far the import has gone, 0-100: reading is the first half, checking a quarter, writing the rest."""
        if self.status == self.Status.SUCCEEDED:
            return 100
        read = self.bytes_read / self.size if self.size else 0.0
        checked = self.rows_checked / self.rows_read if self.rows_read else 0.0
        written = self.rows_written / self.rows_to_write if self.rows_to_write else 0.0
        share = {
            self.Phase.READING: 0.5 * read,
            self.Phase.CHECKING: 0.5 + 0.25 * checked,
            self.Phase.WRITING: 0.75 + 0.25 * written,
        }.get(self.Phase(self.phase), 0.0)
        return min(99, int(share * 100))

    def start(self) -> None:
        """Mark the job running, unless another job of its account and mode is (ImportBusy)."""
        now = timezone.now()
        try:
            with transaction.atomic():
                updated = (
                    type(self)
                    .objects.filter(pk=self.pk, status__in=[self.Status.QUEUED, self.Status.RUNNING])
                    .update(status=self.Status.RUNNING, started_at=now, heartbeat_at=now, phase="")
                )
        except IntegrityError:
            raise ImportBusy(self.running_other()) from None
        if not updated:
            raise ValueError(f"{self.id} has already finished")
        self.status, self.started_at, self.heartbeat_at = self.Status.RUNNING, now, now

    def running_other(self) -> ImportJob:
        other = (
            type(self)
            .objects.filter(account_id=self.account_id, livemode=self.livemode, status=self.Status.RUNNING)
            .exclude(pk=self.pk)
            .first()
        )
        return other or self

    def report(self, phase: ImportJob.Phase, **counts: int) -> None:
        """Record progress; it is the job's heartbeat too."""
        self.phase = phase
        for name, value in counts.items():
            setattr(self, name, value)
        self.heartbeat_at = timezone.now()
        type(self).objects.filter(pk=self.pk).update(phase=phase, heartbeat_at=self.heartbeat_at, **counts)

    def finish(self, status: ImportJob.Status, **fields: Any) -> None:
        fields = {"status": status, "finished_at": timezone.now(), **fields}
        type(self).objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)

    @classmethod
    def stale(cls, account_id: str, livemode: bool) -> models.QuerySet[ImportJob]:
        """Running jobs of this account and mode whose worker stopped writing its heartbeat."""
        since = timezone.now() - timedelta(seconds=settings.IMPORT_STALE_AFTER)
        return cls.objects.filter(
            account_id=account_id, livemode=livemode, status=cls.Status.RUNNING, heartbeat_at__lt=since
        )
