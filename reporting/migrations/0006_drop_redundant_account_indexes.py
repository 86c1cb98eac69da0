"""Drop the single-column account indexes that composite indexes starting with account make redundant.

The state change is Django's AlterField; the database change drops each index by
its introspected name, because AlterField on SQLite rebuilds the table and a
rebuild would silently drop the triggers of migrations 0002, 0004 and 0005.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLES = ["balancetransaction", "dailytotal", "file", "filelink", "payout", "reportrun"]


def drop_indexes(apps, schema_editor):
    for name in TABLES:
        model = apps.get_model("reporting", name)
        for index in schema_editor._constraint_names(model, ["account_id"], index=True):
            schema_editor.execute(schema_editor._delete_index_sql(model, index))


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0005_daily_totals"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, migrations.RunPython.noop)],
            state_operations=[
                migrations.AlterField(
                    model_name="balancetransaction",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="reporting.account",
                    ),
                ),
                migrations.AlterField(
                    model_name="dailytotal",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reporting.account",
                    ),
                ),
                migrations.AlterField(
                    model_name="file",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="files",
                        to="reporting.account",
                    ),
                ),
                migrations.AlterField(
                    model_name="filelink",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="reporting.account",
                    ),
                ),
                migrations.AlterField(
                    model_name="payout",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="reporting.account",
                    ),
                ),
                migrations.AlterField(
                    model_name="reportrun",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="report_runs",
                        to="reporting.account",
                    ),
                ),
            ],
        )
    ]
