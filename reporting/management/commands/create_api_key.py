"""Issue an API key for an account and print its secret."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reporting.management.accounts import account_or_error
from reporting.models import Door
from reporting.services import Caller, issue_key


class Command(BaseCommand):
    help = "Create an API key for an account and print only its secret, which is shown this once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", required=True, metavar="ACCOUNT_ID", help="The account's id (acct_...).")
        parser.add_argument(
            "--live", action="store_true", help="Create a live-mode key (sk_live_...); default is test mode."
        )
        parser.add_argument("--name", default="", help="A name to recognise the key by.")

    def handle(self, *args: Any, **options: Any) -> None:
        account_id: str = options["account"]
        livemode: bool = options["live"]
        account = account_or_error(account_id)
        _, secret = issue_key(Caller(account, livemode, Door.CLI), name=options["name"])
        self.stdout.write(secret)
