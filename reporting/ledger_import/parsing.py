"""Read and check a whole file without the database: bytes in, a ParsedFile or every problem out."""

from __future__ import annotations

from .cells import DecimalMark, Row, TextForm
from .layouts import BALANCE, layout_of, read_header
from .parsed import ParsedFile, TxnRow
from .problems import LedgerImportError, Problem, Problems
from .reading import decode, guarded, read_records
from .rows import balance_row, payouts_row


def parse(data: bytes | str, *, spreadsheet_safe: bool = True) -> ParsedFile:
    """Read and validate a whole file without touching the database; raise LedgerImportError.

    `spreadsheet_safe`: the file's text cells are in the spreadsheet-safe form
    (reporting.spreadsheet), else Stripe-exact.
    """
    records = read_records(decode(data))
    first = next(records, None)
    if first is None:
        raise LedgerImportError([Problem("the file is empty")])
    header = first[1]
    layout = layout_of(header)
    problems = Problems()
    parsed = ParsedFile(layout, [], {}, [], [])
    decimal = DecimalMark()
    text_form = TextForm(spreadsheet_safe)
    with problems.collecting():
        head = read_header(header, layout, problems)
        parsed.notes, parsed.ignored_columns = head.notes, head.ignored
        problems.raise_if_any()
        seen: dict[str, TxnRow] = {}
        for line, cells in guarded(records, problems):
            if cells == [None]:
                continue  # a blank line
            if len(cells) != len(header):
                problems.add(f"{len(cells)} cells where the header has {len(header)}", line)
                continue
            row = Row(line, cells, head.index, problems, decimal, text_form)
            if layout == BALANCE:
                txn = balance_row(row, parsed.payouts)
                if txn is not None:
                    txn.details.update(_metadata(cells, head.metadata, text_form))
            else:
                txn = payouts_row(row, parsed.payouts)
            if txn is None:
                continue
            earlier = seen.get(txn.stripe_id)
            if earlier is None:
                seen[txn.stripe_id] = txn
                parsed.txns.append(txn)
            elif (difference := _difference(earlier, txn)) is not None:
                problems.add(f"{txn.stripe_id} is also on line {earlier.line} with other values", line, difference)
            # An identical repeat adds nothing.
    problems.raise_if_any()
    if decimal.mark == ",":
        parsed.notes.append("Amounts were read with ',' as the decimal mark (a decimal_separator=',' export).")
    parsed.notes += text_form.notes()
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
