"""Report types, report runs and the files they produce."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.ids import new_file_id, new_report_run_id
from reporting.spreadsheet import CellFormat
from reporting.unixtime import from_unix

from .accounts import Account, ApiKey

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

    from .api import FileLink


class InvalidTransition(Exception):
    pass


class Door(models.TextChoices):
    """Through which interface something was done."""

    DASHBOARD = "dashboard", _("Dashboard")
    API = "api", _("API")
    ADMIN = "admin", _("Admin")
    CLI = "cli", _("Command line")
    SCHEDULE = "schedule", _("Schedule")
    SYSTEM = "system", _("System")


class ReportType(models.Model):
    """One row per type in the code registry (reporting.reports), synced on migrate."""

    id = models.CharField(primary_key=True, max_length=100)
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    default_columns = models.JSONField(null=True, blank=True)
    live_only = models.BooleanField(default=False, help_text=_("Runs need a live-mode key or the live dashboard."))
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.id


def report_storage() -> Storage:
    return storages["reports"]


class File(models.Model):
    class Purpose(models.TextChoices):
        FINANCE_REPORT_RUN = "finance_report_run"

    id = models.CharField(primary_key=True, max_length=40, default=new_file_id, editable=False)
    # No index of its own: the composite index below starts with account.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="files", db_index=False)
    livemode = models.BooleanField(default=False)
    purpose = models.CharField(max_length=40, choices=Purpose, default=Purpose.FINANCE_REPORT_RUN)
    filename = models.CharField(max_length=255)
    type = models.CharField(max_length=16, default="csv")
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=255, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    if TYPE_CHECKING:  # the reverse side of FileLink.file, declared for mypy
        links: RelatedManager[FileLink]

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # Target of the composite foreign key that keeps a run's file in its account and mode.
            models.UniqueConstraint(fields=["id", "account", "livemode"], name="file_unique_id_account_mode"),
        ]
        indexes = [models.Index(fields=["account", "livemode", "-created", "-id"], name="file_mode_created")]

    def __str__(self) -> str:
        return self.id

    def open(self) -> Any:
        return report_storage().open(self.storage_name, "rb")

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class ReportRunQuerySet(models.QuerySet["ReportRun"]):
    def for_mode(self, account: Account | str, livemode: bool) -> ReportRunQuerySet:
        # By id: resolving a model instance costs the API's hot path a third of its query building.
        return self.filter(account_id=account.pk if isinstance(account, Account) else account, livemode=livemode)

    def pending(self) -> ReportRunQuerySet:
        return self.filter(status=ReportRun.Status.PENDING)

    def unclaimed(self) -> ReportRunQuerySet:
        return self.pending().filter(started_at__isnull=True)

    def stale(self, *, heartbeat_before: datetime) -> ReportRunQuerySet:
        """Claimed runs whose attempt has not written a heartbeat since `heartbeat_before`: its worker is gone."""
        return self.pending().filter(started_at__isnull=False, heartbeat_at__lt=heartbeat_before)


class ReportRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    # The whole state machine: terminal states are final.
    TRANSITIONS = {Status.PENDING: {Status.SUCCEEDED, Status.FAILED}}

    id = models.CharField(primary_key=True, max_length=40, default=new_report_run_id, editable=False)
    # No index of its own: run_mode_created starts with account (and SQLite's planner
    # would otherwise pick the narrower index and sort the runs itself).
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="report_runs", db_index=False)
    livemode = models.BooleanField(default=False)
    report_type = models.ForeignKey(ReportType, on_delete=models.PROTECT, related_name="runs")
    parameters = models.JSONField(default=dict)
    # The account's setting when the run was requested: every attempt writes the same bytes.
    cell_format = models.CharField("text cells", max_length=16, choices=CellFormat, default=CellFormat.SPREADSHEET_SAFE)
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    error = models.TextField(blank=True)
    result = models.OneToOneField(File, null=True, blank=True, on_delete=models.PROTECT, related_name="report_run")
    created = models.DateTimeField(default=timezone.now)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    # Who asked, and through which door.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_via = models.CharField(max_length=16, choices=Door, default=Door.DASHBOARD)
    rerun_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns")
    # Worker bookkeeping: when the task was (re)queued (None: not queued, the reaper will),
    # when the current attempt started and last showed it is alive, how many attempts began.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    enqueue_count = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    row_count = models.BigIntegerField(null=True, blank=True)
    # Progress of the current attempt, written by its heartbeat (services.heartbeat) at most once a
    # REPORT_PROGRESS_SECONDS: rows in the file so far, and how many the daily totals say it will
    # have (None where they cannot tell before the rows are read: summaries, reconciliations).
    rows_written = models.BigIntegerField(null=True, blank=True)
    rows_expected = models.BigIntegerField(null=True, blank=True)
    data_watermark = models.DateTimeField(
        null=True, blank=True, help_text=_("The ledger was complete up to here when the run was accepted.")
    )
    # When the email about its outcome was sent, or found nobody to send to (services.notifications).
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = ReportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]  # newest first, ties broken by id: stable cursors
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["pending", "succeeded", "failed"]), name="run_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="succeeded")
                | Q(succeeded_at__isnull=False, result__isnull=False, finished_at__isnull=False),
                name="run_succeeded_has_result",
            ),
            models.CheckConstraint(condition=~Q(status="failed") | ~Q(error=""), name="run_failed_has_error"),
        ]
        indexes = [
            models.Index(fields=["account", "livemode", "-created", "-id"], name="run_mode_created"),
            models.Index(fields=["status", "started_at"], name="run_status_started"),
            models.Index(fields=["-created", "-id"], name="run_created"),  # the admin's unfiltered list
            # The runs whose outcome email is still owed: few, whatever the size of the table.
            models.Index(
                fields=["finished_at"],
                name="run_email_owed",
                condition=Q(notified_at__isnull=True, requested_via__in=["dashboard", "schedule"]),
            ),
        ]

    def __str__(self) -> str:
        return self.id

    def get_absolute_url(self) -> str:
        return reverse("reporting:run-detail", kwargs={"run_id": self.id})

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_terminal(self) -> bool:
        return not self.is_pending

    @property
    def spreadsheet_safe(self) -> bool:
        """Whether the run's file writes text cells spreadsheet-safe (else Stripe-exact)."""
        return self.cell_format == CellFormat.SPREADSHEET_SAFE

    @property
    def duration(self) -> timedelta | None:
        if self.finished_at is None:
            return None
        return self.finished_at - (self.started_at or self.created)

    @property
    def interval_start(self) -> datetime | None:
        start = self.parameters.get("interval_start")
        return None if start is None else from_unix(int(start))

    @property
    def interval_end(self) -> datetime | None:
        end = self.parameters.get("interval_end")
        return None if end is None else from_unix(int(end))

    def claim(self, *, stale_before: datetime | None = None) -> bool:
        """Start a new attempt, once: True for the caller who takes the run, False for everyone else.

        The run is taken when no attempt holds it or, given `stale_before`, when
        the attempt holding it has written no heartbeat since then (its worker
        died). The UPDATE is conditional on the attempt number read, so of two
        callers racing for the same run only one wins.
        """
        now = timezone.now()
        free = Q(started_at__isnull=True)
        if stale_before is not None:
            free |= Q(heartbeat_at__lt=stale_before)
        attempt = self.attempts + 1
        taken = (
            type(self)
            .objects.pending()
            .filter(free, pk=self.pk, attempts=self.attempts)
            .update(attempts=attempt, started_at=now, heartbeat_at=now, rows_written=None)
        )
        if taken:
            self.attempts, self.started_at, self.heartbeat_at = attempt, now, now
        return bool(taken)

    def beat(self, rows_written: int | None = None) -> bool:
        """Write this attempt's heartbeat (and its rows so far); False when the run is no longer this attempt's."""
        progress = {} if rows_written is None else {"rows_written": rows_written}
        return bool(self._mine().update(heartbeat_at=timezone.now(), **progress))

    def is_mine(self) -> bool:
        """Whether the run is still pending for this attempt: a read, for a heartbeat with nothing new to write."""
        return self._mine().exists()

    def start_progress(self, rows_expected: int | None) -> None:
        """Record how many rows this attempt is expected to write, and none written yet."""
        self._mine().update(rows_expected=rows_expected, rows_written=0)
        self.rows_expected, self.rows_written = rows_expected, 0

    def _mine(self) -> ReportRunQuerySet:
        return type(self).objects.pending().filter(pk=self.pk, attempts=self.attempts)

    def release(self, *, stale_before: datetime) -> bool:
        """Hand a run whose attempt went silent back to the queue (unclaimed, not queued); False if it moved on."""
        return bool(
            type(self)
            .objects.stale(heartbeat_before=stale_before)
            .filter(pk=self.pk, attempts=self.attempts)
            .update(started_at=None, heartbeat_at=None, enqueued_at=None, enqueue_count=0)
        )

    def mark_succeeded(self, *, result: File, row_count: int) -> None:
        now = timezone.now()
        self._transition(self.Status.SUCCEEDED, result=result, row_count=row_count, succeeded_at=now, finished_at=now)

    def mark_failed(self, error: str) -> None:
        self._transition(self.Status.FAILED, error=error or "Failed", finished_at=timezone.now())

    def fail_if_pending(self, error: str) -> bool:
        """Mark the run failed unless it already finished; return whether this call failed it."""
        try:
            self.mark_failed(error)
        except InvalidTransition:
            return False
        return True

    def _transition(self, to: ReportRun.Status, **fields: Any) -> None:
        from reporting.services.events import run_ended  # services import the models: import late

        if to not in self.TRANSITIONS.get(self.Status(self.status), set()):
            raise InvalidTransition(f"{self.id}: {self.status} -> {to}")
        before = {name: getattr(self, name) for name in ("status", *fields)}
        try:
            with transaction.atomic():
                # Conditional UPDATE: whoever changes the row first wins; a duplicate task,
                # an attempt that was taken over or the reaper racing a worker updates
                # nothing and learns it lost.
                updated = (
                    type(self).objects.pending().filter(pk=self.pk, attempts=self.attempts).update(status=to, **fields)
                )
                if not updated:
                    raise InvalidTransition(f"{self.id} is no longer pending")
                self.status = to
                for name, value in fields.items():
                    setattr(self, name, value)
                # The run's event commits with its change, or neither does: none lost, none doubled;
                # its email is queued once it commits (services.events.run_ended).
                run_ended(self)
        except BaseException:
            for name, value in before.items():  # the row did not change: neither does this copy
                setattr(self, name, value)
            raise
