"""Keep a run's file, and a transaction's payouts, in the same account and mode.

Django has no composite foreign keys, so this migration adds them by hand:
real ones on PostgreSQL, triggers with the same meaning on SQLite (which
cannot add a foreign key to an existing table).
"""

from django.db import migrations

# (name, table, columns, referenced table)
LINKS = [
    ("run_result_same_account", "reporting_reportrun", "result_id", "reporting_file"),
    ("txn_payout_same_account", "reporting_balancetransaction", "payout_id", "reporting_payout"),
    ("txn_automatic_payout_same_account", "reporting_balancetransaction", "automatic_payout_id", "reporting_payout"),
]


def sqlite_triggers(name, table, column, target):
    violation = (
        f"NEW.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {target} t "
        f"WHERE t.id = NEW.{column} AND t.account_id = NEW.account_id AND t.livemode = NEW.livemode)"
    )
    body = f"BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: {name}'); END"
    return [
        f"CREATE TRIGGER {name}_insert BEFORE INSERT ON {table} WHEN {violation} {body}",
        f"CREATE TRIGGER {name}_update BEFORE UPDATE OF {column}, account_id, livemode ON {table} WHEN {violation} {body}",
    ]


def add(apps, schema_editor):
    for name, table, column, target in LINKS:
        if schema_editor.connection.vendor == "postgresql":
            statements = [
                f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}, account_id, livemode) "
                f"REFERENCES {target} (id, account_id, livemode) DEFERRABLE INITIALLY DEFERRED"
            ]
        else:
            statements = sqlite_triggers(name, table, column, target)
        for sql in statements:
            schema_editor.execute(sql)


def remove(apps, schema_editor):
    for name, table, _column, _target in LINKS:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        else:
            schema_editor.execute(f"DROP TRIGGER {name}_insert")
            schema_editor.execute(f"DROP TRIGGER {name}_update")


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
