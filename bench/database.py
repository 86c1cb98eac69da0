"""The bench's database: a fresh SQLite file, or a dedicated PostgreSQL database dropped and recreated."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bench.config import BenchError

BENCH_MARK = "reporting bench: dropped and recreated by every bench run"
# Databases that others use: never dropped, never written to.
REFUSED_DATABASES = {"test", "test_test", "postgres", "template0", "template1"}


def prepare_database(var_dir: Path, sqlite_name: str = "bench.sqlite3", mark: str = BENCH_MARK) -> str:
    """Empty the database DATABASE_URL names (SQLite `sqlite_name` in `var_dir` without it) and return its vendor.

    A PostgreSQL database is created if missing and marked as the bench's; one the
    bench did not mark is used only while it has no tables.
    """
    url = os.environ.get("DATABASE_URL")
    if not url:
        for suffix in ("", "-wal", "-shm", "-journal"):
            (var_dir / f"{sqlite_name}{suffix}").unlink(missing_ok=True)
        return "sqlite"
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(url)
    if "postgresql" not in config["ENGINE"]:
        raise BenchError(f"DATABASE_URL must be a PostgreSQL URL (got engine {config['ENGINE']})")
    name = str(config["NAME"])
    if name in REFUSED_DATABASES:
        raise BenchError(f"refusing to use database {name!r}: others use it; point DATABASE_URL at e.g. …/bench")
    kwargs: dict[str, Any] = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **kwargs) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if row is not None and row[0] == mark:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            row = None
        elif row is not None:
            with psycopg.connect(dbname=name, **kwargs) as conn:
                tables = conn.execute(
                    "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
                ).fetchone()
            if tables and tables[0]:
                raise BenchError(
                    f"database {name!r} has tables but was not created by the bench: use a dedicated database "
                    "(the bench creates it, and drops and recreates it on every run)"
                )
        if row is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(mark)))
    return "postgresql"


def migrate() -> tuple[str, float]:
    """Migrate the (empty) database; return its name and version, and the seconds migrating took."""
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}", seconds
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]} (WAL)", seconds
