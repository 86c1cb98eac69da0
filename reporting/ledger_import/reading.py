"""Read a file's text into records of cells, in the CSV dialect of Stripe's report files.

Every value is quoted; an unquoted empty cell (`,,`) is null and a quoted one
(`,"",`) the empty string, which the ledger keeps apart.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from typing import IO

from .problems import LedgerImportError, Problem, Problems

# One cell: quoted (quotes doubled inside, newlines allowed) or bare (no quote, comma or newline).
_CELL = re.compile(r'"([^"]*(?:""[^"]*)*)"|([^,"\r\n]*)')
# Bytes read at a time from a file: the text of one block and its records are all that is held.
BLOCK = 1 << 20


def decode(data: bytes | str) -> str:
    """Return the file's text without a byte order mark; bytes must be UTF-8."""
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LedgerImportError([Problem(f"the file is not UTF-8 text (byte {exc.start})")]) from None
    return data.removeprefix("\ufeff")


def decode_stream(stream: IO[bytes], block: int = BLOCK) -> Iterator[str]:
    """Yield a binary file's text block by block, without a byte order mark; it must be UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, first = 0, True
    while True:
        data = stream.read(block)
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            where = offset - pending + exc.start
            raise LedgerImportError([Problem(f"the file is not UTF-8 text (byte {where})")]) from None
        offset += len(data)
        if first and text:
            text, first = text.removeprefix("\ufeff"), False
        if text:
            yield text
        if not data:
            return


def read_records(text: str | Iterable[str]) -> Iterator[tuple[int, list[str | None]]]:
    """Yield (line number, cells) per record; an unquoted empty cell is None (null), `""` is "".

    `text` is the whole text, or its blocks in order (`decode_stream`): a record cut by the
    end of a block is read again from its start once the next block is there.
    """
    blocks = iter([text] if isinstance(text, str) else text)
    buffer, pos, line, final = "", 0, 1, False
    while True:
        if pos >= len(buffer) and final:
            return
        record = None
        if pos < len(buffer):
            try:
                record = _record(buffer, pos, line, final)
            except LedgerImportError:
                if final:
                    raise
        if record is None:  # the block ends inside this record (or exactly before it)
            more = next(blocks, None)
            if more is None:
                final = True
            else:
                buffer, pos = buffer[pos:] + more, 0
            continue
        cells, pos, next_line = record
        yield line, cells
        line = next_line


def _record(text: str, pos: int, line: int, final: bool) -> tuple[list[str | None], int, int] | None:
    """Read the record at `pos`: its cells, the position and line after it; None if the text ends inside it."""
    end = len(text)
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
            return (cells, pos, line) if final else None
        char = text[pos]
        if char == ",":
            pos += 1
            continue
        if char == "\n":
            return cells, pos + 1, line + 1
        if char == "\r" and text.startswith("\r\n", pos):
            return cells, pos + 2, line + 1
        reason = (
            "a quote that never closes, or one inside an unquoted cell"
            if char == '"'
            else f"unexpected {char!r} after a quoted cell"
        )
        raise LedgerImportError([Problem(f"not a CSV line: {reason}", line)])


def guarded(
    records: Iterator[tuple[int, list[str | None]]], problems: Problems
) -> Iterator[tuple[int, list[str | None]]]:
    """Yield the records up to a line that is not CSV, which becomes one more problem."""
    try:
        yield from records
    except LedgerImportError as exc:
        for problem in exc.problems:
            problems.add(problem.reason, problem.line, problem.column)
