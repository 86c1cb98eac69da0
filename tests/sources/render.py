"""Render report files straight from a ledger, for comparing two instances' ledgers byte for byte.

The sync tests call `render` in the test process (instance B) and in instance A's
own Django (tests.sources.a_shell), so both sides write every file with the same code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# Metadata keys the demo writes, asked for wherever a type takes that object's metadata.
METADATA = {
    "payment_metadata": ("order_id", "channel", "plan"),
    "refund_metadata": ("reason_code",),
    "transfer_metadata": ("period",),
}


def render(account_id: str, livemode: bool, specs: list[dict[str, Any]], out: Path) -> None:
    """Write each spec's file as `out/<name>.csv`, with every column of its type and the demo's metadata keys.

    And the test-mode ledger itself, as `out/ledger.json` (tests.sources.ledger_dump).
    """
    from reporting.reports import Params, get_report
    from reporting.unixtime import from_unix
    from tests.sources.ledger_dump import dump

    out.mkdir(parents=True, exist_ok=True)
    (out / "ledger.json").write_text(json.dumps(dump(account_id), sort_keys=True))
    for spec in specs:
        report = get_report(spec["type"])
        assert report is not None, spec
        metadata = [f"{obj}[{key}]" for obj in report.metadata_fields for key in METADATA[obj]]
        params = Params(
            account_id=account_id,
            livemode=livemode,
            interval_start=from_unix(spec["start"]) if spec.get("start") is not None else None,
            interval_end=from_unix(spec["end"]) if spec.get("end") is not None else None,
            timezone=ZoneInfo(spec.get("timezone", "Etc/UTC")),
            columns=[*report.column_names, *metadata],
            payout=spec.get("payout"),
            spreadsheet_safe=False,
        )
        with open(out / f"{spec['name']}.csv", "wb") as f:
            report.write(params, f)
