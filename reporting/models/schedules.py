"""Schedules: a report requested again and again, and the record of each time it was due."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import dates
from django.utils.timezone import now
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reporting import recurrence
from reporting.ids import new_schedule_id

from .accounts import Account
from .runs import ReportRun, ReportType


class ScheduleQuerySet(models.QuerySet["Schedule"]):
    def for_mode(self, account: Account, livemode: bool) -> ScheduleQuerySet:
        return self.filter(account=account, livemode=livemode)

    def due(self, now: datetime) -> ScheduleQuerySet:
        return self.filter(paused_at__isnull=True, next_due_at__lte=now)


class Schedule(models.Model):
    class Cadence(models.TextChoices):
        DAILY = recurrence.DAILY, _("Daily")
        WEEKLY = recurrence.WEEKLY, _("Weekly")
        MONTHLY = recurrence.MONTHLY, _("Monthly")

    class Period(models.TextChoices):
        YESTERDAY = recurrence.YESTERDAY, _("Yesterday")
        LAST_WEEK = recurrence.LAST_WEEK, _("Last full week (Monday to Sunday)")
        LAST_MONTH = recurrence.LAST_MONTH, _("Last full month")
        LAST_PAYOUT = "last_automatic_payout", _("The last automatic payout")

    # Django's weekday names (Monday first, as datetime.weekday()), translated with its own catalogue.
    WEEKDAYS = [dates.WEEKDAYS[day] for day in range(7)]

    id = models.CharField(primary_key=True, max_length=40, default=new_schedule_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="schedules")
    livemode = models.BooleanField(default=False)
    # Runs are requested as the owner, with the owner's rights at the time.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=200)
    report_type = models.ForeignKey(ReportType, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=32, choices=Period)
    # The type's other parameters (currency, columns, timezone...), as the parameters form normalised them.
    options = models.JSONField(default=dict, blank=True)
    cadence = models.CharField(max_length=16, choices=Cadence)
    weekday = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Weekly: 0 is Monday."))
    day_of_month = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Monthly: 1 to 31; 29-31 fall on the last day of shorter months.")
    )
    time_of_day = models.TimeField()
    timezone = models.CharField(max_length=64, help_text=_("Zone of the due time and of the period's days."))
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created = models.DateTimeField(default=now)
    # None while paused.
    next_due_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=300, blank=True)

    objects = ScheduleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cadence="daily", weekday__isnull=True, day_of_month__isnull=True)
                | Q(cadence="weekly", weekday__lte=6, day_of_month__isnull=True)
                | Q(cadence="monthly", weekday__isnull=True, day_of_month__gte=1, day_of_month__lte=31),
                name="schedule_cadence_valid",
            ),
            models.CheckConstraint(
                condition=Q(paused_at__isnull=True, next_due_at__isnull=False) | Q(paused_at__isnull=False),
                name="schedule_active_has_due_time",
            ),
        ]
        indexes = [models.Index(fields=["next_due_at"], name="schedule_next_due")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reporting:schedule-detail", kwargs={"schedule_id": self.id})

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def cadence_text(self) -> str:
        """The cadence as people say it: "Monthly on day 31 (the last day of shorter months) at 07:00 Europe/Berlin"."""
        words = {"time": f"{self.time_of_day:%H:%M}", "zone": self.timezone, "day": self.day_of_month}
        if self.cadence == self.Cadence.WEEKLY and self.weekday is not None:
            words["weekday"] = self.WEEKDAYS[self.weekday]
            return gettext("Every %(weekday)s at %(time)s %(zone)s") % words
        if self.cadence == self.Cadence.MONTHLY and (self.day_of_month or 0) > 28:
            return gettext("Monthly on day %(day)s (the last day of shorter months) at %(time)s %(zone)s") % words
        if self.cadence == self.Cadence.MONTHLY:
            return gettext("Monthly on day %(day)s at %(time)s %(zone)s") % words
        return gettext("Daily at %(time)s %(zone)s") % words

    def next_due_after(self, moment: datetime) -> datetime:
        return recurrence.next_due_after(
            moment,
            self.cadence,
            self.time_of_day,
            self.zone,
            weekday=self.weekday,
            day_of_month=self.day_of_month,
        )


class ScheduledRun(models.Model):
    """One due time of a schedule: at most one per schedule and due time, whoever (and however many) ticks."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for data")
        REQUESTED = "requested", _("Requested")
        REFUSED = "refused", _("Not run")

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="occurrences")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status, default=Status.WAITING)
    run = models.OneToOneField(ReportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="scheduled")
    reason = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=now)
    updated = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-due_at"]
        constraints = [
            # The key that makes a due time run once: two beats, or a beat restarted, insert one row.
            models.UniqueConstraint(fields=["schedule", "due_at"], name="scheduled_run_unique_due"),
        ]
        indexes = [models.Index(fields=["status"], name="scheduled_run_status", condition=Q(status="waiting"))]

    def __str__(self) -> str:
        return f"{self.schedule_id} due {self.due_at:%Y-%m-%d %H:%M} UTC"
