"""What an import did, counted for the command's output, the admin's message and the event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .layouts import Layout


@dataclass
class ImportResult:
    layout: Layout
    rows: int = 0  # transactions in the file
    added: int = 0
    skipped: int = 0  # already in the ledger, identical
    links_added: int = 0  # existing transactions linked to their payout now
    payouts_created: int = 0
    payouts_updated: int = 0
    watermark: datetime | None = None  # set when the import advanced it
    cell_format: str = ""  # the form the file's text cells were read in (CellFormat)
    notes: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"{self.layout} file, {self.rows} transaction{'s' if self.rows != 1 else ''}: "
            f"{self.added} added, {self.skipped} already in the ledger (skipped).",
            f"Payouts: {self.payouts_created} created, {self.payouts_updated} updated; "
            f"{self.links_added} existing transaction{'s' if self.links_added != 1 else ''} linked to a payout.",
        ]
        if self.watermark is not None:
            lines.append(f"Data complete through {self.watermark:%Y-%m-%d %H:%M:%S} UTC.")
        if self.ignored_columns:
            shown = ", ".join(self.ignored_columns[:12])
            more = f" and {len(self.ignored_columns) - 12} more" if len(self.ignored_columns) > 12 else ""
            lines.append(f"Columns the ledger does not keep (ignored): {shown}{more}.")
        lines.extend(self.notes)
        return "\n".join(lines)
