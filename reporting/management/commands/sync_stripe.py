"""Sync an account's ledger from its connected Stripe account once, in this process."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.management.accounts import account_or_error
from reporting.services.sources import SourceError, SyncBusy, run_sync, source_of


class Command(BaseCommand):
    help = "Pull new balance transactions and payouts from Stripe (STRIPE_API_BASE) into the account's ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", required=True, metavar="ACCOUNT_ID", help="The account's id (acct_...).")
        parser.add_argument("--live", action="store_true", help="Sync live-mode data; default is test mode.")

    def handle(self, *args: Any, **options: Any) -> None:
        account = account_or_error(options["account"])
        source = source_of(account.pk, options["live"])
        if source is None:
            raise CommandError(
                f"No Stripe account is connected to {account.pk} in this mode: run connect_stripe first."
            )
        try:
            tally = run_sync(source)
        except (SourceError, SyncBusy) as exc:
            raise CommandError(str(exc)) from None
        source.refresh_from_db()
        self.stdout.write(
            f"Synced {tally.rows:,} new balance transactions, {tally.payouts_created:,} new and "
            f"{len(tally.payout_changes):,} changed payouts, {tally.links:,} settlement links; "
            f"data complete through {source.synced_through:%Y-%m-%d %H:%M:%S} UTC."
        )
