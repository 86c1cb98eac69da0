"""Import balance transactions and payouts from a CSV file in the layout of Stripe's itemized reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.ledger_import import LedgerImportError, import_ledger
from reporting.management.accounts import account_or_error
from reporting.models import CellFormat, Door, ImportBusy


class Command(BaseCommand):
    help = (
        "Load balance transactions (and the payouts they name) from an itemized CSV export "
        "(balance_change_from_activity, payout_reconciliation, ending_balance_reconciliation or payouts; "
        "any version and columns), all or nothing. Rows already in the ledger are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE.csv", help="The CSV file, as Stripe exports it.")
        parser.add_argument("--account", required=True, metavar="ACCOUNT_ID", help="The account's id (acct_...).")
        parser.add_argument("--live", action="store_true", help="Import into live mode; default is test mode.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file against the ledger and write nothing."
        )
        parser.add_argument(
            "--cells",
            choices=CellFormat.values,
            help=(
                "The form of the file's text cells: spreadsheet_safe (a ' before formula-like text, dropped on "
                "reading) or stripe_exact (as Stripe writes them). Default: the account's setting."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        account = account_or_error(options["account"])
        path = Path(options["file"])
        try:
            data = path.open("rb")  # read a block at a time by the import
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from None
        try:
            result = import_ledger(
                data,
                account=account,
                livemode=options["live"],
                door=Door.CLI,
                filename=path.name,
                dry_run=options["dry_run"],
                cell_format=options["cells"],
            )
        except LedgerImportError as exc:
            raise CommandError(f"{path.name}: nothing imported.\n{exc}") from None
        except ImportBusy as exc:
            raise CommandError(f"{path.name}: nothing imported. {exc} Try again when it has finished.") from None
        mode = "live" if options["live"] else "test"
        verb = "Checked (dry run, nothing written)" if options["dry_run"] else "Imported"
        self.stdout.write(f"{verb} {path.name} into {account.id} ({mode} mode).")
        self.stdout.write(result.summary())
