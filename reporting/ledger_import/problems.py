"""What is wrong with a file: each problem names its line and column; any problem stops the import."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Parsing stops after this many problems: enough to fix a file, not a flood.
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Problem:
    reason: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"line {self.line}" if self.line is not None else "",
                f"column {self.column}" if self.column else "",
            )
            if part
        )
        return f"{where}: {self.reason}" if where else self.reason


class LedgerImportError(Exception):
    """The file cannot be imported; nothing was written. One problem per line of the message."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class TooManyProblems(Exception):
    """MAX_PROBLEMS were found: stop looking for more."""


class Problems:
    """The problems found so far in one file."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, reason: str, line: int | None = None, column: str | None = None) -> None:
        self.items.append(Problem(reason, line, column))
        if len(self.items) >= MAX_PROBLEMS:
            raise TooManyProblems

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """Run a block that adds problems; at MAX_PROBLEMS end it, with a last problem that says so."""
        try:
            yield
        except TooManyProblems:
            self.items.append(Problem(f"stopped after {MAX_PROBLEMS} problems"))

    def raise_if_any(self) -> None:
        if self.items:
            raise LedgerImportError(self.items)


def quote(value: Any) -> str:
    """Quote a value for a problem's message; a time as the files write it, in UTC."""
    if isinstance(value, datetime):
        return f"'{value.astimezone(UTC):%Y-%m-%d %H:%M:%S}'"
    return f"'{value}'"
