"""CSV records from text that arrives in chunks, with the line each record starts on.

A record ends at a newline outside quotes: the number of quote characters so far is even
(a doubled quote inside a field counts twice). Complete records are handed to the csv module
in batches, so a quoted field may span lines and chunk boundaries alike.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator


class UnclosedQuote(ValueError):
    """The text ended inside a quoted field that starts on ``line``."""

    def __init__(self, line: int) -> None:
        super().__init__(f"a quoted field starting on line {line} is never closed")
        self.line = line


class CsvStream:
    """Feed text with :meth:`feed`, then :meth:`close`; each returns the records completed
    as (first line number, cells). Blank lines are left out."""

    def __init__(self) -> None:
        self._tail = ""
        self._pending: list[str] = []
        self._quotes = 0
        self._line = 0
        self._start = 0

    def feed(self, text: str) -> list[tuple[int, list[str]]]:
        lines = (self._tail + text).split("\n")
        self._tail = lines.pop()
        return self._records(lines)

    def close(self) -> list[tuple[int, list[str]]]:
        """The last records; raises UnclosedQuote when a quoted field is never closed."""
        lines = [self._tail] if self._tail else []
        self._tail = ""
        records = self._records(lines)
        if self._pending:
            raise UnclosedQuote(self._start)
        return records

    @property
    def lines_read(self) -> int:
        return self._line

    def _records(self, lines: list[str]) -> list[tuple[int, list[str]]]:
        starts: list[int] = []
        texts: list[str] = []
        pending = self._pending
        for line in lines:
            self._line += 1
            if line.endswith("\r"):
                line = line[:-1]
            if not pending:
                if not line:
                    continue
                self._start = self._line
            pending.append(line)
            self._quotes += line.count('"')
            if self._quotes % 2 == 0:
                starts.append(self._start)
                texts.append(pending[0] if len(pending) == 1 else "\n".join(pending))
                pending.clear()
                self._quotes = 0
        return self._parsed(starts, texts)

    @staticmethod
    def _parsed(starts: list[int], texts: list[str]) -> list[tuple[int, list[str]]]:
        rows: Iterator[list[str]] = csv.reader(texts, strict=False)
        return list(zip(starts, rows, strict=True))
