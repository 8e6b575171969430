"""Values no spreadsheet means: numbers of thousands of digits, exponents, NaN, days centuries
away and a person with hundreds of contracts in one file. Each gets a line error naming the
line and the column (never an "unexpected error"), and the value is quoted back cut short."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from models.flex.contract_import import MAX_CONTRACTS_PER_PERSON, check_contracts
from models.flex.correction_import import check_corrections
from models.flex.csv_import import RowError
from tests.support.csv_imports import PEOPLE, csv_file, rejection

CONTRACTS = "email,start_date,end_date,worktime_percent,flex_enabled"
CORRECTIONS = "email,date,adjust_by,set_to"
THOUSANDS_OF_DIGITS = "9" * 5000


def contract_errors(*lines: str) -> list[RowError]:
    return rejection(lambda: check_contracts(csv_file(CONTRACTS, *lines), PEOPLE, []))


def correction_errors(*lines: str) -> list[RowError]:
    return rejection(lambda: check_corrections(csv_file(CORRECTIONS, *lines), PEOPLE))


@pytest.mark.parametrize(
    "percent",
    [THOUSANDS_OF_DIGITS, "1" + "0" * 4400, "-" + THOUSANDS_OF_DIGITS, "0" * 5000 + "50x"],
)
def test_a_percent_of_thousands_of_digits_is_a_line_error(percent: str) -> None:
    [error] = contract_errors(
        "ada@example.com,2024-01-01,,100,true", f"ada@example.com,2025-01-01,,{percent},true"
    )
    assert error.line == 3
    assert error.message.startswith(
        f"worktime_percent {percent[:40] + '…'!r} ({len(percent)} characters)"
    )
    assert error.message.endswith("must be a whole number from 1 to 100")


@pytest.mark.parametrize("percent", ["1e2", "1E+2", "١٠٠", "1_00", "+100.0", "Infinity", "NaN"])
def test_a_percent_is_written_in_ascii_digits_only(percent: str) -> None:
    assert contract_errors(f"ada@example.com,2024-01-01,,{percent},true") == [
        RowError(2, f"worktime_percent {percent!r} must be a whole number from 1 to 100")
    ]


@pytest.mark.parametrize("column", ["adjust_by", "set_to"])
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (THOUSANDS_OF_DIGITS, "is too large: at most 99999999.9999 either way"),
        ("-" + THOUSANDS_OF_DIGITS + ".5", "is too large: at most 99999999.9999 either way"),
        ("0." + "0" * 4000 + "1", "has more than 4 decimals"),
        ("1e999", "has an exponent: write the number out, e.g. -7.5"),
        ("1E+999999999999", "has an exponent: write the number out, e.g. -7.5"),
        ("1e-999999999999", "has an exponent: write the number out, e.g. -7.5"),
        ("7.5e0", "has an exponent: write the number out, e.g. -7.5"),
        ("NaN", "is not a finite number"),
        ("-Infinity", "is not a finite number"),
        ("inf", "is not a finite number"),
        ("7_5", "is not a number (use a dot for decimals, e.g. -7.5)"),
        ("٧.٥", "is not a number (use a dot for decimals, e.g. -7.5)"),
        ("0x1F", "is not a number (use a dot for decimals, e.g. -7.5)"),
    ],
)
def test_hours_that_no_column_holds_are_line_errors(column: str, value: str, problem: str) -> None:
    values = f"{value}," if column == "adjust_by" else f",{value}"
    [error] = correction_errors(
        "bob@example.com,2024-01-01,1,", f"ada@example.com,2024-01-01,{values}"
    )
    assert error.line == 3
    quoted = repr(value) if len(value) <= 40 else f"{value[:40] + '…'!r} ({len(value)} characters)"
    assert error.message == f"{column} {quoted} {problem}"


@pytest.mark.parametrize(
    ("value", "hours"),
    [
        ("99999999.9999", "99999999.9999"),
        ("-99999999.9999", "-99999999.9999"),
        ("00000000000000000001.5000000", "1.5"),
        (".5", "0.5"),
        ("-.25", "-0.25"),
        ("3.", "3"),
    ],
)
def test_hours_at_the_edges_of_the_column_are_taken(value: str, hours: str) -> None:
    data = csv_file(CORRECTIONS, f"ada@example.com,2024-01-01,{value},")
    [record] = check_corrections(data, PEOPLE)
    assert record.adjust_by == Decimal(hours)


@pytest.mark.parametrize(
    ("line", "column", "day"),
    [
        ("ada@example.com,1989-12-31,,100,true", "start_date", "1989-12-31"),
        ("ada@example.com,0001-01-01,,100,true", "start_date", "0001-01-01"),
        ("ada@example.com,2024-01-01,2101-01-01,100,true", "end_date", "2101-01-01"),
        ("ada@example.com,2024-01-01,9999-12-31,100,true", "end_date", "9999-12-31"),
    ],
)
def test_contract_days_outside_1990_to_2100_are_refused(line: str, column: str, day: str) -> None:
    assert contract_errors(line) == [
        RowError(2, f"{column} {day} is outside the supported days 1990-01-01..2100-12-31")
    ]


def test_contract_days_at_the_edges_are_taken() -> None:
    [record] = check_contracts(
        csv_file(CONTRACTS, "ada@example.com,1990-01-01,2100-12-31,100,true"), PEOPLE, []
    )
    assert (record.start_date.year, record.end_date and record.end_date.year) == (1990, 2100)


@pytest.mark.parametrize("day", ["1989-12-31", "2101-01-01", "0000-01-01"])
def test_correction_days_outside_1990_to_2100_are_refused(day: str) -> None:
    errors = correction_errors(f"ada@example.com,{day},1,")
    assert len(errors) == 1 and errors[0].line == 2
    assert errors[0].message in (
        f"date {day} is outside the supported days 1990-01-01..2100-12-31",
        f"date {day!r} is not a date YYYY-MM-DD",  # year 0 is no day at all
    )


@pytest.mark.parametrize("day", ["20240101", "2024-W01-1", "２０２４-01-01", "2024-1-1"])
def test_days_are_written_yyyy_mm_dd_only(day: str) -> None:
    assert correction_errors(f"ada@example.com,{day},1,") == [
        RowError(2, f"date {day!r} is not a date YYYY-MM-DD")
    ]


def test_a_long_unknown_email_is_quoted_cut_short() -> None:
    email = "x" * 3000 + "@example.com"
    [error] = correction_errors(f"{email},2024-01-01,1,")
    assert error == RowError(
        2, f"unknown email {email[:40] + '…'!r} (3012 characters): no person has that e-mail"
    )


def test_a_long_unknown_column_is_quoted_cut_short() -> None:
    column = "c" * 1000
    errors = rejection(
        lambda: check_corrections(
            csv_file(f"{CORRECTIONS},{column}", "ada@example.com,2024-01-01,1,,x"), PEOPLE
        )
    )
    assert [error.line for error in errors] == [1]
    assert (
        f"unknown column {column[:40] + '…'!r} (1000 characters) in the header" in errors[0].message
    )


def test_a_value_beyond_the_csv_field_limit_is_a_line_error() -> None:
    errors = correction_errors(
        "ada@example.com,2024-01-01,1,", f"ada@example.com,2024-01-02,{'9' * 200_000},"
    )
    assert errors == [
        RowError(3, "a value is longer than 131072 characters, more than any column holds")
    ]


def contract_rows(email: str, count: int) -> list[str]:
    """``count`` back-to-back one-day contracts from 2024-01-01 on."""
    first = dt.date(2024, 1, 1)
    days = [first + dt.timedelta(days=n) for n in range(count)]
    return [f"{email},{day},{day},100,true" for day in days]


def test_two_hundred_contracts_of_one_person_are_taken() -> None:
    rows = contract_rows("ada@example.com", MAX_CONTRACTS_PER_PERSON)
    assert MAX_CONTRACTS_PER_PERSON == 200
    assert len(check_contracts(csv_file(CONTRACTS, *rows), PEOPLE, [])) == 200


def test_more_contracts_of_one_person_than_the_limit_is_one_error_naming_them() -> None:
    rows = [
        *contract_rows("ada@example.com", 250),
        *contract_rows("BOB@example.com", 10),
    ]
    assert contract_errors(*rows) == [
        RowError(
            202,
            "ada@example.com has 250 contracts in this file (lines 2-251); "
            "at most 200 per person are accepted",
        )
    ]


def test_the_limit_is_checked_before_overlaps() -> None:
    """Thousands of overlapping open-ended contracts of one person: one error, at once."""
    rows = ["ada@example.com,2024-01-01,,100,true" for _ in range(5000)]
    errors = contract_errors(*rows)
    limit_errors = [error for error in errors if "at most 200 per person" in error.message]
    assert limit_errors == [
        RowError(
            202,
            "ada@example.com has 5000 contracts in this file (lines 2-5001); "
            "at most 200 per person are accepted",
        )
    ]
    assert not [error for error in errors if "overlaps" in error.message]
