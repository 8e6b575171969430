"""Excel workbooks (``.xlsx``) of one sheet: a header row and rows of cells, written with
xlsxwriter.

Each cell is written by its type, never guessed from its text: text with ``write_string``
(so a name or note starting with ``=`` stays text and never becomes a formula, and nothing
turns into a link or a number), numbers with ``write_number`` shown with two decimals (the
cell keeps every decimal a double holds), days as dates; empty text is an empty cell. The
cells are the CSV exports' own (:data:`core.csv_cells.Cell`), so one list of rows serves both
files.

Writing takes about 0.1 ms per row of a dozen cells: callers with thousands of rows run
:func:`xlsx_document` in a worker process (it is module-level and its arguments picklable).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

import xlsxwriter

from core.csv_cells import Cell

#: Excel's own limit of a sheet name.
SHEET_NAME_MAX = 31
COLUMN_WIDTH_MAX = 60


def xlsx_document(sheet: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """The workbook's bytes: ``header`` in bold and frozen, then ``rows``."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    number = workbook.add_format({"num_format": "0.00"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    worksheet = workbook.add_worksheet(sheet[:SHEET_NAME_MAX])
    widths = [len(name) for name in header]
    for column, name in enumerate(header):
        worksheet.write_string(0, column, name, bold)
    for line, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None or value == "":
                continue  # an empty cell
            if isinstance(value, str):
                worksheet.write_string(line, column, value)
                width = len(value)
            elif isinstance(value, dt.date):
                worksheet.write_datetime(
                    line, column, dt.datetime(value.year, value.month, value.day), day
                )
                width = 10
            elif isinstance(value, Decimal):
                worksheet.write_number(line, column, float(value), number)
                width = len(f"{value:.2f}")
            else:
                worksheet.write_number(line, column, value)
                width = len(str(value))
            if column < len(widths):
                widths[column] = max(widths[column], width)
    for column, width in enumerate(widths):
        worksheet.set_column(column, column, min(width + 2, COLUMN_WIDTH_MAX))
    worksheet.freeze_panes(1, 0)
    workbook.close()
    return out.getvalue()
