# The background imports of the admin (issue 13): one ImportJob per import, one running per account and mode.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import reporting.models.imports


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0011_cell_format"),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportJob",
            fields=[
                (
                    "id",
                    models.CharField(
                        default=reporting.models.imports.new_import_id,
                        editable=False,
                        max_length=40,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("livemode", models.BooleanField(default=False)),
                (
                    "door",
                    models.CharField(
                        choices=[
                            ("dashboard", "Dashboard"),
                            ("api", "API"),
                            ("admin", "Admin"),
                            ("cli", "Command line"),
                            ("system", "System"),
                        ],
                        max_length=16,
                    ),
                ),
                ("filename", models.CharField(blank=True, max_length=255)),
                ("size", models.BigIntegerField(default=0, help_text="Bytes.")),
                ("upload_name", models.CharField(blank=True, max_length=255)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("running", "Running"),
                            ("succeeded", "Succeeded"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=16,
                    ),
                ),
                (
                    "phase",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Waiting"),
                            ("reading", "Reading the file"),
                            ("checking", "Checking it against the ledger"),
                            ("writing", "Writing"),
                        ],
                        default="",
                        max_length=16,
                    ),
                ),
                ("bytes_read", models.BigIntegerField(default=0)),
                ("rows_read", models.BigIntegerField(default=0)),
                ("rows_checked", models.BigIntegerField(default=0)),
                ("rows_to_write", models.BigIntegerField(default=0)),
                ("rows_written", models.BigIntegerField(default=0)),
                ("summary", models.TextField(blank=True, help_text="What the import did (ImportResult.summary).")),
                (
                    "problems",
                    models.JSONField(blank=True, default=list, help_text="Why nothing was imported, line by line."),
                ),
                ("created", models.DateTimeField(default=django.utils.timezone.now)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="reporting.account"
                    ),
                ),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created", "-id"],
                "indexes": [models.Index(fields=["account", "livemode", "-created"], name="import_mode_created")],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "running")),
                        fields=("account", "livemode"),
                        name="import_one_running_per_mode",
                    )
                ],
            },
        ),
    ]
