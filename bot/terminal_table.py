"""Tables on the terminal: drawn with rich on a terminal, plain aligned text otherwise (so a
script or a pipe reads one row per line)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

#: Columns aligned left; every other column holds figures and is aligned right.
TEXT_COLUMNS = frozenset(
    {
        "",
        "month",
        "name",
        "email",
        "group",
        "note",
        "client",
        "project",
        "state",
        "checks",
        "account",
        "person",
        "projects",
        "total",
    }
)


def print_table(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    marked: Sequence[bool] = (),
) -> None:
    """A rich table on a terminal (``marked`` rows highlighted), plain aligned text otherwise.
    Cells are plain text, never rich markup: names from upstream may hold brackets."""
    if sys.stdout.isatty():
        table = Table(title=title, title_justify="left")
        for header in headers:
            left = header in TEXT_COLUMNS
            table.add_column(header, justify="left" if left else "right", no_wrap=True)
        for index, row in enumerate(rows):
            highlight = index < len(marked) and marked[index]
            cells = (Text(str(cell)) for cell in row)
            table.add_row(*cells, style="bold red" if highlight else None)
        Console().print(table)
        return
    widths = [max(len(str(v)) for v in column) for column in zip(headers, *rows, strict=True)]
    print(title)
    for line in [headers, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())
