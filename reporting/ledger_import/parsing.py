"""Read and check a whole file without the database: records in, transactions (or every problem) out.

`FileReader` reads one record at a time, so a file of any size takes the memory of
its payouts and of one record; what keeps its transactions decides the rest:
`parse()` keeps them in a list (files that fit in memory, and the tests), the
staged import (`importing`) in a scratch database on disk.
"""

from __future__ import annotations

from collections.abc import Iterator

from .cells import DecimalMark, Row, TextForm
from .layouts import BALANCE, Header, layout_of, read_header
from .parsed import ParsedFile, PayoutFacts, TxnRow
from .problems import LedgerImportError, Problem, Problems
from .reading import decode, guarded, read_records
from .rows import balance_row, payouts_row


class FileReader:
    """One file's header, then its transactions one by one, with what they say about payouts.

    Iterate `txns()` inside `problems.collecting()`; then call `finish()`, which
    raises LedgerImportError if anything was wrong. A transaction id seen twice is
    for the caller to check (`difference`): it decides where the rows are kept.
    """

    def __init__(self, records: Iterator[tuple[int, list[str | None]]], *, spreadsheet_safe: bool = True) -> None:
        """`spreadsheet_safe`: the file's text cells are in the spreadsheet-safe form (reporting.spreadsheet)."""
        first = next(records, None)
        if first is None:
            raise LedgerImportError([Problem("the file is empty")])
        self.records = records
        self.header = first[1]
        self.layout = layout_of(self.header)
        self.problems = Problems()
        self.payouts: dict[str, PayoutFacts] = {}
        self.decimal = DecimalMark()
        self.text_form = TextForm(spreadsheet_safe)
        self.head: Header | None = None
        with self.problems.collecting():
            self.head = read_header(self.header, self.layout, self.problems)
        self.problems.raise_if_any()
        self.notes, self.ignored_columns = list(self.head.notes), list(self.head.ignored)

    def txns(self) -> Iterator[TxnRow]:
        """Yield each valid record's transaction, in file order (repeats included)."""
        head, width = self.head, len(self.header)
        assert head is not None
        for line, cells in guarded(self.records, self.problems):
            if cells == [None]:
                continue  # a blank line
            if len(cells) != width:
                self.problems.add(f"{len(cells)} cells where the header has {width}", line)
                continue
            row = Row(line, cells, head.index, self.problems, self.decimal, self.text_form)
            if self.layout == BALANCE:
                txn = balance_row(row, self.payouts)
                if txn is not None:
                    txn.details.update(_metadata(cells, head.metadata, self.text_form))
            else:
                txn = payouts_row(row, self.payouts)
            if txn is not None:
                yield txn

    def repeated(self, earlier: TxnRow, txn: TxnRow) -> None:
        """A second row with an id already read: identical adds nothing, different is a problem."""
        if (difference := _difference(earlier, txn)) is not None:
            self.problems.add(f"{txn.stripe_id} is also on line {earlier.line} with other values", txn.line, difference)

    def finish(self) -> None:
        """Raise every problem found; else note the decimal mark the file used."""
        self.problems.raise_if_any()
        if self.decimal.mark == ",":
            self.notes.append("Amounts were read with ',' as the decimal mark (a decimal_separator=',' export).")
        self.notes += self.text_form.notes()


def parse(data: bytes | str, *, spreadsheet_safe: bool = True) -> ParsedFile:
    """Read and validate a whole file in memory, without touching the database; raise LedgerImportError."""
    reader = FileReader(read_records(decode(data)), spreadsheet_safe=spreadsheet_safe)
    parsed = ParsedFile(reader.layout, [], reader.payouts, reader.notes, reader.ignored_columns)
    seen: dict[str, TxnRow] = {}
    with reader.problems.collecting():
        for txn in reader.txns():
            earlier = seen.get(txn.stripe_id)
            if earlier is None:
                seen[txn.stripe_id] = txn
                parsed.txns.append(txn)
            else:
                reader.repeated(earlier, txn)
    reader.finish()
    return parsed


def _metadata(
    cells: list[str | None], columns: list[tuple[str, str, int]], text_form: TextForm
) -> dict[str, dict[str, str]]:
    """Return the metadata objects a row's `payment_metadata[KEY]` cells give; an empty cell is an absent key."""
    objects: dict[str, dict[str, str]] = {}
    for name, key, position in columns:
        value = cells[position]
        if value is not None:
            objects.setdefault(name, {})[key] = text_form.read(value)
    return objects


def _difference(a: TxnRow, b: TxnRow) -> str | None:
    """Return the first column in which two rows with one id differ, or None."""
    for name, column in b.stated.items():
        if a.value(name) != b.value(name):
            return column
    return None
