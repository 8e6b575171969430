"""Excel workbooks of one sheet, read back: each cell keeps its type, and text that looks like
a formula, a number or a link stays text."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import openpyxl

from core.xlsx_document import xlsx_document


def read(body: bytes) -> list[tuple[object, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_cells_keep_their_types() -> None:
    body = xlsx_document(
        "Entries",
        ("day", "name", "hours", "count", "empty"),
        [[dt.date(2025, 1, 7), "Alice", Decimal("7.25"), 3, None], [None, "", Decimal(0), 0, ""]],
    )
    assert read(body) == [
        ("day", "name", "hours", "count", "empty"),
        (dt.datetime(2025, 1, 7), "Alice", 7.25, 3, None),
        (None, None, 0, 0, None),
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    assert sheet["C2"].number_format == "0.00"  # shown with two decimals
    assert sheet.freeze_panes == "A2"


def test_text_is_never_a_formula_a_number_or_a_link() -> None:
    texts = ["=1+1", "+1", "-3.75", "@SUM(A1)", "0123", "http://example.com", "1e5"]
    body = xlsx_document("S", ("text",), [[text] for text in texts])
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    cells = [sheet.cell(row=n, column=1) for n in range(2, 2 + len(texts))]
    assert [(cell.value, cell.data_type) for cell in cells] == [(t, "s") for t in texts]
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
        assert b"<f>" not in sheet_xml and b"hyperlink" not in sheet_xml


def test_a_long_sheet_name_is_cut_to_excels_limit() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_document("x" * 40, ("a",), []))).active
    assert sheet is not None and sheet.title == "x" * 31
