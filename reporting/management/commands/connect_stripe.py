"""Connect a Stripe account to one of an account's modes; the key comes from STRIPE_API_KEY, never the command line."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.management.accounts import account_or_error
from reporting.models import Door
from reporting.services import Caller
from reporting.services.sources import SourceError, connect_stripe
from reporting.sources.stripe.client import key_livemode


class Command(BaseCommand):
    help = (
        "Check the Stripe key in the STRIPE_API_KEY environment variable with one API call and keep it, encrypted, "
        "as the source of the account's ledger in the mode its prefix names (sk_test_/rk_test_: test, sk_live_/rk_live_: live)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", required=True, metavar="ACCOUNT_ID", help="The account's id (acct_...).")

    def handle(self, *args: Any, **options: Any) -> None:
        account = account_or_error(options["account"])
        secret = os.environ.get("STRIPE_API_KEY", "").strip()
        if not secret:
            raise CommandError("Set STRIPE_API_KEY to the Stripe key (it is never read from the command line).")
        try:
            source = connect_stripe(Caller(account, key_livemode(secret), Door.CLI), secret)
        except SourceError as exc:
            raise CommandError(str(exc)) from None
        mode = "live" if source.livemode else "test"
        self.stdout.write(
            f"Connected {source.key_hint} to {account.pk} ({mode} mode). Sync with: sync_stripe --account {account.pk}{' --live' if source.livemode else ''}"
        )
