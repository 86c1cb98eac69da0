"""Read a file's text into records of cells, in the CSV dialect of Stripe's report files.

Every value is quoted; an unquoted empty cell (`,,`) is null and a quoted one
(`,"",`) the empty string, which the ledger keeps apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .problems import LedgerImportError, Problem, Problems

# One cell: quoted (quotes doubled inside, newlines allowed) or bare (no quote, comma or newline).
_CELL = re.compile(r'"([^"]*(?:""[^"]*)*)"|([^,"\r\n]*)')


def decode(data: bytes | str) -> str:
    """Return the file's text without a byte order mark; bytes must be UTF-8."""
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LedgerImportError([Problem(f"the file is not UTF-8 text (byte {exc.start})")]) from None
    return data.removeprefix("\ufeff")


def read_records(text: str) -> Iterator[tuple[int, list[str | None]]]:
    """Yield (line number, cells) per record; an unquoted empty cell is None (null), `""` is ""."""
    pos, line, end = 0, 1, len(text)
    while pos < end:
        first_line = line
        cells: list[str | None] = []
        while True:
            match = _CELL.match(text, pos)
            assert match is not None  # the bare branch matches the empty string
            quoted = match.group(1)
            if quoted is not None:
                cells.append(quoted.replace('""', '"'))
                line += quoted.count("\n")
            else:
                cells.append(match.group(2) or None)
            pos = match.end()
            if pos >= end:
                break
            char = text[pos]
            if char == ",":
                pos += 1
                continue
            if char == "\n":
                pos, line = pos + 1, line + 1
                break
            if char == "\r" and text.startswith("\r\n", pos):
                pos, line = pos + 2, line + 1
                break
            reason = (
                "a quote that never closes, or one inside an unquoted cell"
                if char == '"'
                else f"unexpected {char!r} after a quoted cell"
            )
            raise LedgerImportError([Problem(f"not a CSV line: {reason}", line)])
        yield first_line, cells


def guarded(
    records: Iterator[tuple[int, list[str | None]]], problems: Problems
) -> Iterator[tuple[int, list[str | None]]]:
    """Yield the records up to a line that is not CSV, which becomes one more problem."""
    try:
        yield from records
    except LedgerImportError as exc:
        for problem in exc.problems:
            problems.add(problem.reason, problem.line, problem.column)
