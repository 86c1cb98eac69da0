"""Request a report run from the command line (cron, scripts), with the same rules as every other door."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.management.accounts import account_or_error
from reporting.models import Door
from reporting.services import Caller, RunRequestError, request_run


class Command(BaseCommand):
    help = (
        "Request a report run and print its id (frr_...); a worker generates the file. "
        "Parameters as Stripe names them: --param interval_start=1759276800 --param columns=category,net"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report_type", help="The report type's id, e.g. balance.summary.1.")
        parser.add_argument("--account", required=True, metavar="ACCOUNT_ID", help="The account's id (acct_...).")
        parser.add_argument("--live", action="store_true", help="Run on live-mode data; default is test mode.")
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="A parameter of the report type (repeat it); columns take a comma-separated list.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        account = account_or_error(options["account"])
        parameters: dict[str, Any] = {}
        for item in options["param"]:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise CommandError(f"--param {item!r}: expected NAME=VALUE.")
            parameters[name] = value.split(",") if name == "columns" else value
        caller = Caller(account, options["live"], Door.CLI)
        try:
            run = request_run(caller, report_type_id=options["report_type"], parameters=parameters)
        except RunRequestError as refusal:
            problem = refusal.problems[0]
            raise CommandError(f"{problem.param}: {problem.message}" if problem.param else problem.message) from None
        self.stdout.write(run.id)
