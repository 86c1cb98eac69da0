"""What the management commands share: the account named by `--account`."""

from __future__ import annotations

from django.core.management.base import CommandError

from reporting.models import Account


def account_or_error(account_id: str) -> Account:
    """Return the account with this id, or stop the command saying there is none."""
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise CommandError(f"No account with id {account_id!r}.")
    return account
