"""What the CSV imports share: reading a file into rows with line numbers, parsing values,
reporting bad rows, counting what changed.

Pure functions, except :func:`people_by_email` which loads the e-mail lookup. Conventions
shared by the contract and correction imports:

- The file is UTF-8, with or without a byte-order mark; anything else is one clear error.
- Line numbers count the header as line 1 and count every physical line, blank ones included
  (a quoted value spanning lines belongs to the line it starts on).
- Column names are matched case-insensitively, in any order; missing, unknown or repeated
  columns are reported on line 1 and then no row is read.
- Blank lines, and rows whose every field is empty (what spreadsheets export for an emptied
  row), are skipped without an error: they carry nothing to import.
- Every value is stripped of surrounding whitespace.
- Values are bounded before anything converts them: days lie in 1990..2100 (core/days.py),
  numbers are plain ASCII digits that fit their column (no exponents, NaN or infinities), and a
  value quoted back in a message is cut short (core/formatting.py ``quoted``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.days import is_supported_day, iso_day, unsupported_day
from core.formatting import quoted
from models.people import Person

_INTEGER = re.compile(r"[+-]?[0-9]+")
_INTEGER_DIGITS = 18
"""More significant digits than this are out of any range the imports accept."""
_DECIMAL = re.compile(r"[+-]?(?:(?P<whole>[0-9]+)(?:\.(?P<fraction>[0-9]*))?|\.(?P<only>[0-9]+))")
_NOT_FINITE = re.compile(r"[+-]?(?:s?nan[0-9]*|inf|infinity)", re.IGNORECASE)
_EXPONENT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+")


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in an import file, at ``line`` (the header is line 1)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportRejected(ValueError):
    """A file had bad rows; nothing was written. ``errors`` holds every problem found."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = sorted(errors, key=lambda error: error.line)
        lines = len({error.line for error in self.errors})
        super().__init__(f"{lines} bad row{'' if lines == 1 else 's'}; nothing imported")

    @property
    def bad_lines(self) -> int:
        return len({error.line for error in self.errors})


@dataclass(frozen=True)
class Problem:
    """One problem with a row, tied to the column (a form's field of the same name) it is
    about; ``field`` is "" when it concerns the row as a whole."""

    field: str
    message: str


@dataclass(frozen=True)
class ImportCounts:
    """What an applied import did: rows created, updated, and left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self, kind: str) -> str:
        return f"{kind}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")

    def has(self, column: str) -> bool:
        """Whether the file has the (optional) column at all."""
        return column in self.values


@dataclass(frozen=True)
class CsvTable:
    columns: tuple[str, ...]
    rows: list[CsvRow]


def decode_text(data: bytes) -> tuple[str | None, list[RowError]]:
    """UTF-8 text of ``data`` (a leading BOM dropped), or an error naming the bad byte's line."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1].hex()
        return None, [
            RowError(
                line,
                f"the file is not valid UTF-8 text (byte 0x{byte} at offset {exc.start}); "
                "save it as UTF-8 CSV",
            )
        ]


def read_table(
    data: bytes, *, required: Sequence[str], optional: Sequence[str] = ()
) -> tuple[CsvTable | None, list[RowError]]:
    """Parses ``data`` into rows keyed by column name.

    Returns the table (None when the file cannot be read as rows at all: not UTF-8, empty,
    bad header, malformed quoting) and every problem found. Rows with the wrong number of fields
    are reported and left out of the table, so the other rows can still be checked.
    """
    text, errors = decode_text(data)
    if text is None:
        return None, errors
    expected = ",".join(required)
    if not text.strip():
        return None, [RowError(1, f"the file is empty: expected the header {expected}")]

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[CsvRow] = []
    columns: tuple[str, ...] | None = None
    last_line = 0
    try:
        for fields in reader:
            line = last_line + 1
            last_line = reader.line_num
            if not any(field.strip() for field in fields):
                continue
            if columns is None:
                columns = tuple(field.strip().lower() for field in fields)
                header_errors = _check_header(columns, required, optional, line)
                if header_errors:
                    return None, header_errors
                continue
            if len(fields) != len(columns):
                errors.append(
                    RowError(line, f"expected {len(columns)} fields, found {len(fields)}")
                )
                continue
            rows.append(CsvRow(line, {c: f.strip() for c, f in zip(columns, fields, strict=True)}))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            limit = csv.field_size_limit()
            message = f"a value is longer than {limit} characters, more than any column holds"
        else:
            message = f"malformed CSV: {exc}"
        return None, [*errors, RowError(last_line + 1, message)]
    if columns is None:  # only blank lines
        return None, [RowError(1, f"the file is empty: expected the header {expected}")]
    if not rows and not errors:
        return None, [RowError(2, "the file has a header but no rows to import")]
    return CsvTable(columns, rows), errors


def _check_header(
    columns: tuple[str, ...], required: Sequence[str], optional: Sequence[str], line: int
) -> list[RowError]:
    expected = ",".join(required)
    if optional:
        expected += " (optional: " + ",".join(optional) + ")"
    if len(columns) == 1 and ";" in columns[0]:
        return [
            RowError(
                1,
                "the values are separated by ';': save the file as comma-separated CSV "
                f"(expected the header {expected})",
            )
        ]
    errors: list[RowError] = []
    if line != 1:
        errors.append(RowError(line, f"the header must be on line 1, found it on line {line}"))
    missing = [c for c in required if c not in columns]
    if missing:
        errors.append(
            RowError(
                1,
                f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"in the header (expected {expected})",
            )
        )
    unknown = [c for c in columns if c not in required and c not in optional]
    if unknown:
        errors.append(
            RowError(
                1,
                f"unknown column{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(quoted(c) for c in unknown)} in the header (expected {expected})",
            )
        )
    repeated = sorted({c for c in columns if columns.count(c) > 1 and c})
    if repeated:
        errors.append(RowError(1, f"column {', '.join(repeated)} appears more than once"))
    return errors


def parse_date(column: str, raw: str) -> dt.date | str:
    """A day written YYYY-MM-DD within 1990..2100, or the error message naming the column."""
    if not raw:
        return f"{column} is empty: expected a date YYYY-MM-DD"
    day = iso_day(raw)
    if day is None:
        return f"{column} {quoted(raw)} is not a date YYYY-MM-DD"
    if not is_supported_day(day):
        return f"{column} {unsupported_day(day)}"
    return day


def parse_integer(column: str, raw: str, low: int, high: int) -> int | str:
    """A whole number in ASCII digits within low..high, or the error message naming the column.

    The digits are counted before anything converts them: a value of thousands of digits is
    out of range, not a reason for ``int()`` to refuse.
    """
    problem = f"{column} {quoted(raw)} must be a whole number from {low} to {high}"
    if not _INTEGER.fullmatch(raw) or len(raw.lstrip("+-").lstrip("0")) > _INTEGER_DIGITS:
        return problem
    value = int(raw)
    return value if low <= value <= high else problem


def parse_boolean(column: str, raw: str) -> bool | str:
    """``true`` or ``false`` (any case), or the error message naming the column and value."""
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return f"{column} {quoted(raw)} must be true or false"


def parse_decimal(column: str, raw: str, *, places: int, digits: int) -> Decimal | str:
    """A decimal written out in ASCII digits that fits a column of ``digits`` digits with
    ``places`` decimals, or the error message naming the column.

    The written digits are checked before ``Decimal`` sees them, so no value (thousands of
    digits, ``1e999999999999``) can make the conversion itself fail. Exponents, NaN and
    infinities are refused: no spreadsheet writes hours that way on purpose.
    """
    match = _DECIMAL.fullmatch(raw)
    if match is None:
        if _NOT_FINITE.fullmatch(raw):
            return f"{column} {quoted(raw)} is not a finite number"
        if _EXPONENT.fullmatch(raw):
            return f"{column} {quoted(raw)} has an exponent: write the number out, e.g. -7.5"
        return f"{column} {quoted(raw)} is not a number (use a dot for decimals, e.g. -7.5)"
    whole = (match["whole"] or "").lstrip("0")
    fraction = (match["fraction"] or match["only"] or "").rstrip("0")
    if len(whole) > digits - places:
        largest = "9" * (digits - places) + ("." + "9" * places if places else "")
        return f"{column} {quoted(raw)} is too large: at most {largest} either way"
    if len(fraction) > places:
        return f"{column} {quoted(raw)} has more than {places} decimals"
    value = Decimal(raw)
    # Trailing zeros beyond the column's decimals (1.50000000) are dropped, as the column would.
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        value = value.quantize(Decimal(1).scaleb(-places))
    return value


async def people_by_email() -> dict[str, int]:
    """Lower-cased e-mail → person id, for everyone with an e-mail (the imports' lookup).

    When people share an e-mail (a re-hire keeps it), the active one wins, then the newest.
    """
    rows = (
        await Person.filter(email__isnull=False)
        .order_by("-archived", "id")  # later rows overwrite earlier: active and newest last
        .values_list("email", "id")
    )
    return {str(email).strip().lower(): int(pk) for email, pk in rows if str(email).strip()}
