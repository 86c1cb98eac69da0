"""Load the ledger from CSV files in the layout of Stripe's itemized reports.

Two layouts, told apart by the header: the balance layout (one balance
transaction per line, `balance_change_from_activity.itemized.*` and the
reconciliation types that share its columns) and the payouts layout (one payout
or payout-reversal transaction per line, `payouts.itemized.*`); `layouts` says
which column carries what.

Shared by the `import_ledger` command and the admin's background import:
`parse()` reads a file in memory without the database (for small files and
tests); `import_ledger()` is the whole import, in memory that does not grow
with the file: read into a scratch database, check against the ledger, write
in short transactions (`importing`). Every problem names its line and column;
any problem means nothing is written. Rows whose Stripe id is already in the
ledger are skipped when they agree with it and refused when they do not. It
advances the data watermark and records the event.

The modules, in the order a file goes through them:

- `reading`: bytes to records of cells (null apart from the empty string);
- `layouts`: the two layouts' columns, and a header mapped to fields;
- `cells`: one record's cells as typed values (amounts, times, ...);
- `rows`: one record as a transaction and what it says about its payout;
- `parsing`: `parse()`, the whole file as a `ParsedFile` (`parsed`);
- `staging`: one import's scratch database of rows and plan;
- `planning` and `checking`: the rows checked against the ledger: what to insert, link and update;
- `writing`: the plan written in short transactions, or undone;
- `importing`: `import_ledger()`, the three steps, counted in an `ImportResult` (`result`);
- `problems`: what is wrong, by line and column, and `LedgerImportError`.
"""

from __future__ import annotations

from .importing import import_ledger
from .layouts import BALANCE, PAYOUTS, Layout
from .parsed import ParsedFile
from .parsing import parse
from .problems import LedgerImportError, Problem
from .reading import read_records
from .result import ImportResult

__all__ = [
    "BALANCE",
    "PAYOUTS",
    "ImportResult",
    "Layout",
    "LedgerImportError",
    "ParsedFile",
    "Problem",
    "import_ledger",
    "parse",
    "read_records",
]
