"""A report run's attempts and heartbeat: how many workers began it, and when the current one last showed it is alive.

The columns are added by hand: on SQLite, Django's AddField of a NOT NULL column
rebuilds the table, which would drop the same-account triggers migration 0002
put on it. ALTER TABLE ADD COLUMN with a constant default keeps them; the
statements are those Django emits on PostgreSQL (the SQLite default stays: it
cannot be dropped, and Django always writes the value anyway).
Runs already claimed count as on their first attempt, heartbeat at their start.
"""

from django.db import migrations, models

ADD = {
    "postgresql": [
        'ALTER TABLE "reporting_reportrun" ADD COLUMN "attempts" smallint DEFAULT 0 NOT NULL CHECK ("attempts" >= 0)',
        'ALTER TABLE "reporting_reportrun" ALTER COLUMN "attempts" DROP DEFAULT',
        'ALTER TABLE "reporting_reportrun" ADD COLUMN "heartbeat_at" timestamp with time zone NULL',
    ],
    "sqlite": [
        'ALTER TABLE "reporting_reportrun" ADD COLUMN "attempts" smallint unsigned NOT NULL DEFAULT 0 '
        'CHECK ("attempts" >= 0)',
        'ALTER TABLE "reporting_reportrun" ADD COLUMN "heartbeat_at" datetime NULL',
    ],
}
DROP = [
    'ALTER TABLE "reporting_reportrun" DROP COLUMN "heartbeat_at"',
    'ALTER TABLE "reporting_reportrun" DROP COLUMN "attempts"',
]
BACKFILL = (
    'UPDATE "reporting_reportrun" SET "attempts" = 1, "heartbeat_at" = "started_at" WHERE "started_at" IS NOT NULL'
)


def add_columns(apps, schema_editor):
    for statement in [*ADD[schema_editor.connection.vendor], BACKFILL]:
        schema_editor.execute(statement)


def drop_columns(apps, schema_editor):
    for statement in DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0009_wider_type_and_category"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_columns, drop_columns)],
            state_operations=[
                migrations.AddField(
                    model_name="reportrun",
                    name="attempts",
                    field=models.PositiveSmallIntegerField(default=0),
                ),
                migrations.AddField(
                    model_name="reportrun",
                    name="heartbeat_at",
                    field=models.DateTimeField(blank=True, null=True),
                ),
            ],
        )
    ]
