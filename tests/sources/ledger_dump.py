"""An account's test-mode ledger as plain values, the same way on both instances of the sync tests."""

from __future__ import annotations

import json
from typing import Any

# Every field of a ledger row but its keys: the payouts are compared by their Stripe ids.
SKIPPED = {"id", "account", "livemode", "payout", "automatic_payout"}


def fields() -> list[str]:
    from reporting.models import BalanceTransaction

    return [f.attname for f in BalanceTransaction._meta.concrete_fields if f.name not in SKIPPED]


def dump(account_id: str) -> dict[str, list[Any]]:
    """{stripe_id: every field as text (JSON with sorted keys), then its payout and automatic payout ids}."""
    from reporting.models import BalanceTransaction

    names = fields()
    rows = BalanceTransaction.objects.filter(account_id=account_id, livemode=False)
    return {
        t.stripe_id: [_text(getattr(t, name)) for name in names]
        + [t.payout.stripe_id if t.payout else None, t.automatic_payout.stripe_id if t.automatic_payout else None]
        for t in rows.select_related("payout", "automatic_payout")
    }


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict) else str(value)
