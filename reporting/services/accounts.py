"""Change an account's settings: one place for the role check, the write and the audit event."""

from __future__ import annotations

from django.db import transaction

from reporting.models import Account, CellFormat, Event

from .caller import Caller

MANAGE_SETTINGS = "Only account admins can change the account's settings."


def set_cell_format(caller: Caller, cell_format: str) -> bool:
    """Set how the account's report files write text cells; return whether it changed.

    Runs already requested keep the form they were requested in (a retry writes
    the same bytes); runs requested from now on take the new one.
    """
    if cell_format not in CellFormat.values:
        raise ValueError(f"unknown cell format {cell_format!r}")
    caller.require_role("can_manage", message=MANAGE_SETTINGS)
    account = caller.account
    with transaction.atomic():
        changed = Account.objects.filter(pk=account.pk).exclude(cell_format=cell_format).update(cell_format=cell_format)
        account.cell_format = cell_format
        if changed:
            caller.record(Event.Action.ACCOUNT_UPDATED, account.pk, cell_format=cell_format)
    return bool(changed)
