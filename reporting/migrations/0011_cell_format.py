"""Text cells: an account's setting (spreadsheet-safe by default) and, on each run, the form it is written in.

Runs made before this migration were written Stripe-exact, so they say so: a
retry of one writes the same bytes. New accounts and existing ones start
spreadsheet-safe. The columns are added by hand: AddField on SQLite rebuilds a
table for a NOT NULL column, which would drop reporting_reportrun's triggers
(migration 0002), and here a plain ADD COLUMN with a constant default fills the
existing rows without rewriting them on either database. PostgreSQL then drops
the default, as Django does (the model supplies it); SQLite cannot, and nothing
relies on it.
"""

from django.db import migrations, models

CHOICES = [
    ("spreadsheet_safe", "Spreadsheet-safe (formula-like text starts with ')"),
    ("stripe_exact", "Stripe-exact (text exactly as Stripe writes it)"),
]
HELP = (
    "How report files write text cells. Spreadsheet-safe puts a ' before text that a spreadsheet would run as a "
    "formula (=, +, -, @, tab, carriage return); Stripe-exact writes the bytes Stripe writes. Each run keeps the "
    "form it was requested in; imports read this form unless told otherwise."
)
# (table, default for the rows already there)
COLUMNS = (("reporting_account", "spreadsheet_safe"), ("reporting_reportrun", "stripe_exact"))


def add_columns(apps, schema_editor):
    for table, existing in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {table} ADD COLUMN cell_format varchar(16) NOT NULL DEFAULT '{existing}'")
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN cell_format DROP DEFAULT")


def drop_columns(apps, schema_editor):
    for table, _ in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN cell_format")


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0010_run_attempts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_columns, drop_columns)],
            state_operations=[
                migrations.AddField(
                    model_name="account",
                    name="cell_format",
                    field=models.CharField(
                        choices=CHOICES,
                        default="spreadsheet_safe",
                        help_text=HELP,
                        max_length=16,
                        verbose_name="text cells",
                    ),
                ),
                migrations.AddField(
                    model_name="reportrun",
                    name="cell_format",
                    field=models.CharField(
                        choices=CHOICES, default="spreadsheet_safe", max_length=16, verbose_name="text cells"
                    ),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="event",
            name="action",
            field=models.CharField(
                choices=[
                    ("run.requested", "Requested a report run"),
                    ("run.rerun", "Re-ran a report run"),
                    ("file.downloaded", "Downloaded a file"),
                    ("ledger.imported", "Imported ledger data"),
                    ("api_key.created", "Created an API key"),
                    ("api_key.revoked", "Revoked an API key"),
                    ("account.updated", "Changed the account's settings"),
                ],
                max_length=32,
            ),
        ),
    ]
