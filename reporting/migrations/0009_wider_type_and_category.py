"""Widen the ledger's `type` and `reporting_category` to 64 characters.

The documented values outgrew them: `issuing_dispute_provisional_credit_reversal`
is 43 characters (a category and its own type), `transferred_to_balance_transaction`
34. The state change is Django's AlterField; the database change is by hand because
AlterField on SQLite rebuilds the table, which would drop the triggers of migrations
0002, 0004 and 0005 (and SQLite does not enforce a varchar's length anyway), and
PostgreSQL refuses to retype a column that the append-only trigger's `UPDATE OF`
list names, so that trigger is dropped and created again around the change.
"""

from django.db import migrations, models

# As migration 0005 created it (SUMMED there).
APPEND_ONLY = """CREATE TRIGGER reporting_ledger_append_only BEFORE UPDATE OF
    account_id, livemode, effective_at, currency, reporting_category, amount, fee, net
    ON reporting_balancetransaction FOR EACH ROW EXECUTE FUNCTION reporting_ledger_append_only()"""


def retype(length):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("DROP TRIGGER reporting_ledger_append_only ON reporting_balancetransaction")
        for table, column in (
            ("reporting_balancetransaction", "type"),
            ("reporting_balancetransaction", "reporting_category"),
            ("reporting_dailytotal", "reporting_category"),
        ):
            schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length[column]})")
        schema_editor.execute(APPEND_ONLY)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0008_ledger_order_and_destination_payment"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunPython(
                    retype({"type": 64, "reporting_category": 64}),
                    # Back to the old widths: fails, as it should, if a longer value is stored.
                    retype({"type": 32, "reporting_category": 40}),
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="balancetransaction",
                    name="type",
                    field=models.CharField(max_length=64),
                ),
                migrations.AlterField(
                    model_name="balancetransaction",
                    name="reporting_category",
                    field=models.CharField(max_length=64),
                ),
                migrations.AlterField(
                    model_name="dailytotal",
                    name="reporting_category",
                    field=models.CharField(max_length=64),
                ),
            ],
        )
    ]
