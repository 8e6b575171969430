"""CSV cells that a spreadsheet opens as values, never as formulas.

Excel, LibreOffice and Google Sheets treat a cell starting with ``=``, ``+``, ``-`` or ``@``
as a formula (and some a leading tab or carriage return too), so a name or note from 10000ft
could run as one when HR opens an export ("CSV injection"). Such a text cell gets a leading
apostrophe, which spreadsheets take as "this is text" and do not show.

Numbers are not text: an export writes them with :func:`number_cell` (``-3.75``, plain, two
decimals), never through :func:`text_cell`, so a negative saldo stays a number that sums and
sorts. Only the values we format ourselves are written as numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: A value of an export row: text (neutralised), a number (written as is), a day (written
#: ``YYYY-MM-DD``), or empty.
Cell = str | Decimal | int | dt.date | None


def text_cell(value: str) -> str:
    """``value`` as a cell that cannot start a formula (see the module's rule)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def number_cell(value: Decimal | int) -> str:
    """A number as a spreadsheet reads it: ``-3.75``, ``12.50``, ``7`` (ints stay ints)."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return text_cell(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return number_cell(value)


def csv_document(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """The whole CSV text (RFC 4180 quoting, CRLF line ends) with every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([text_cell(name) for name in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()
