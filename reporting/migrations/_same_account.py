"""Composite foreign keys that keep a row and what it points at in one account and mode.

Django has no composite foreign keys, so migrations add them by hand: real ones
on PostgreSQL, triggers with the same meaning on SQLite (which cannot add a
foreign key to an existing table). The referenced table needs a unique
constraint on (id, account_id, livemode). Not a migration itself: the loader
skips modules whose name starts with "_".
"""

from django.db import migrations


def _sqlite_triggers(name, table, column, target):
    violation = (
        f"NEW.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {target} t "
        f"WHERE t.id = NEW.{column} AND t.account_id = NEW.account_id AND t.livemode = NEW.livemode)"
    )
    body = f"BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: {name}'); END"
    return [
        f"CREATE TRIGGER {name}_insert BEFORE INSERT ON {table} WHEN {violation} {body}",
        f"CREATE TRIGGER {name}_update BEFORE UPDATE OF {column}, account_id, livemode ON {table} WHEN {violation} {body}",
    ]


def same_account(links):
    """Return a RunPython operation adding the (name, table, column, target table) links."""

    def add(apps, schema_editor):
        for name, table, column, target in links:
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}, account_id, livemode) "
                    f"REFERENCES {target} (id, account_id, livemode) DEFERRABLE INITIALLY DEFERRED"
                )
            else:
                for sql in _sqlite_triggers(name, table, column, target):
                    schema_editor.execute(sql)

    def remove(apps, schema_editor):
        for name, table, _column, _target in links:
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            else:
                schema_editor.execute(f"DROP TRIGGER {name}_insert")
                schema_editor.execute(f"DROP TRIGGER {name}_update")

    return migrations.RunPython(add, remove)
