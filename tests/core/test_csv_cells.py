"""CSV exports: text cells that look like formulas are neutralised; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from core.csv_cells import csv_document, number_cell, text_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+31 555", "'+31 555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("Alice Aalto", "Alice Aalto"),
        ("a=b", "a=b"),  # only the first character matters
        (" =1", " =1"),
        ("", ""),
        ("'quoted", "'quoted"),
    ],
)
def test_text_cells_that_start_a_formula_get_an_apostrophe(value: str, written: str) -> None:
    assert text_cell(value) == written


def test_numbers_are_written_as_numbers_even_when_negative() -> None:
    assert number_cell(Decimal("-3.75")) == "-3.75"
    assert number_cell(Decimal("12.5")) == "12.50"
    assert number_cell(Decimal("-120")) == "-120.00"
    assert number_cell(7) == "7"


def test_csv_document_neutralises_text_and_keeps_numbers() -> None:
    text = csv_document(
        ["name", "saldo", "note"],
        [["=cmd|' /C calc'!A0", Decimal("-3.75"), None], ["Bob", Decimal("8.75"), "-x"]],
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["name", "saldo", "note"],
        ["'=cmd|' /C calc'!A0", "-3.75", ""],
        ["Bob", "8.75", "'-x"],
    ]
    assert text.endswith("\r\n")
