"""How `financebot demo` shows the loading of the sample company.

On a terminal, a rich progress display: a line per step (each sync kind, the imports, the
invoice reviews), with a bar and counts where the step reports them (the hours sync's days)
and, once done, what the step did. Anywhere else (a pipe, a log file), one plain line per
finished step.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from bot.demo.seed import LoadDisplay

HEADING = "Loading the sample company through the real syncs:"


class PlainDisplay(LoadDisplay):
    """One line per finished step, with the seconds it took."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.since = time.perf_counter()

    def started(self, step: str) -> None:
        self.since = time.perf_counter()

    def finished(self, step: str, result: str) -> None:
        seconds = time.perf_counter() - self.since
        print(f"  {step}: {result} ({seconds:.1f} s)", file=self.out, flush=True)
        self.since = time.perf_counter()


class RichDisplay(LoadDisplay):
    """A rich progress line per step; a step with counts gets a bar per kind of count."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.rows: dict[str, dict[str, TaskID]] = {}

    def _row(self, step: str, unit: str) -> TaskID:
        rows = self.rows.setdefault(step, {})
        if unit not in rows:
            rows[unit] = self.progress.add_task(step, total=None, detail=unit)
        return rows[unit]

    def started(self, step: str) -> None:
        self._row(step, "")

    def advanced(self, step: str, done: int, total: int, unit: str) -> None:
        rows = self.rows.get(step, {})
        if "" in rows and len(rows) == 1:  # the first count takes over the step's line
            rows[unit] = rows.pop("")
        task = self._row(step, unit)
        self.progress.update(task, completed=done, total=total, detail=f"{done}/{total} {unit}")

    def finished(self, step: str, result: str) -> None:
        rows = list(self.rows.pop(step, {}).values()) or [self._row(step, "")]
        for extra in rows[1:]:
            self.progress.remove_task(extra)
        self.progress.update(rows[0], total=1, completed=1, detail=result)
        self.rows.pop(step, None)


@contextmanager
def load_display(out: TextIO | None = None) -> Iterator[LoadDisplay]:
    """The display for ``out`` (default: stdout): rich on a terminal, plain lines elsewhere."""
    out = out or sys.stdout
    print(HEADING, file=out, flush=True)
    if not out.isatty():
        yield PlainDisplay(out)
        return
    with Progress(
        SpinnerColumn(finished_text="[green]✓"),
        TextColumn("{task.description:<16}"),
        BarColumn(bar_width=30),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=Console(file=out),
    ) as progress:
        yield RichDisplay(progress)
