"""Load the demo account, login, API keys and generated ledger."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.demo import (
    DEFAULT_ROWS,
    DEFAULT_SEED,
    DEMO_LIVE_SECRET,
    DEMO_PASSWORD,
    DEMO_TEST_SECRET,
    DEMO_USERNAME,
    LIVE_ROWS_DIVISOR,
    load_demo,
    reset_demo_ledger,
)


class Command(BaseCommand):
    help = "Create the demo account, user and API keys, and generate a ledger for each mode that has none (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rows",
            type=int,
            default=DEFAULT_ROWS,
            help=f"About how many test-mode balance transactions to generate; live mode gets a {LIVE_ROWS_DIVISOR}th (default {DEFAULT_ROWS}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Random seed: the same seed on the same day gives the same ledger (default {DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo ledger in both modes first and generate it anew, ending today.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rows: int = options["rows"]
        if rows < 0:
            raise CommandError("--rows must be zero or more.")
        started = time.perf_counter()
        if options["reset"]:
            deleted = reset_demo_ledger()
            self.stdout.write(f"Deleted the demo ledger ({deleted:,} balance transactions).")
        load_demo(rows=rows, seed=options["seed"], stdout=self.stdout)
        self.stdout.write(
            f"Demo ready in {time.perf_counter() - started:.1f} s. Log in as {DEMO_USERNAME} / {DEMO_PASSWORD}."
        )
        self.stdout.write(f"Test key: {DEMO_TEST_SECRET}")
        self.stdout.write(f"Live key: {DEMO_LIVE_SECRET}")
