"""What the contract and correction import tests share: the people their files name, the file
bytes, catching a rejection, and the files with unbounded values that the CLI and the upload
page must both refuse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from models import AuditLog, FlexCorrection, Person, WorkContract
from models.flex.csv_import import ImportRejected, RowError

PEOPLE = {"ada@example.com": 1, "bob@example.com": 2}
"""The e-mail lookup the pure checks get: lower-cased e-mail → person id."""


def csv_file(header: str, *lines: str) -> bytes:
    """A CSV file: the header, then each line, each ending in a newline."""
    return ("\n".join([header, *lines]) + "\n").encode()


def rejection(check: Callable[[], object]) -> list[RowError]:
    """The errors ``check`` rejects its file with (the test fails when it accepts it)."""
    with pytest.raises(ImportRejected) as caught:
        check()
    return caught.value.errors


async def make_person(tenkfeet_id: int, email: str) -> Person:
    return await Person.create(
        tenkfeet_id=tenkfeet_id,
        guid=f"g-{tenkfeet_id}",
        first_name=email.split("@")[0],
        email=email,
    )


@dataclass(frozen=True)
class BadFile:
    """A file the CLI and the upload page must refuse, changing nothing: its first row is good
    (and would change the stored data), a later one carries the bad value."""

    name: str
    kind: str
    data: bytes
    line: int
    message: str


CONTRACT_HEADER = "email,start_date,end_date,worktime_percent,flex_enabled"
CORRECTION_HEADER = "email,date,adjust_by,set_to"
THOUSANDS_OF_DIGITS = "9" * 5000


def bad_files(email: str, good_contract: str, good_correction: str) -> list[BadFile]:
    """One file per kind of unbounded value in a row of the person ``email``, each after a good
    row (``good_contract`` or ``good_correction``) that would change the stored data."""

    def contracts(*rows: str) -> bytes:
        return csv_file(CONTRACT_HEADER, good_contract, *rows)

    def corrections(*rows: str) -> bytes:
        return csv_file(CORRECTION_HEADER, good_correction, *rows)

    many = [dt.date(2023, 1, 1) + dt.timedelta(days=n) for n in range(201)]
    digits = f"{THOUSANDS_OF_DIGITS[:40] + '…'!r} (5000 characters)"
    return [
        BadFile(
            "percent-of-5000-digits",
            "contracts",
            contracts(f"{email},2024-01-01,,{THOUSANDS_OF_DIGITS},true"),
            3,
            f"worktime_percent {digits} must be a whole number from 1 to 100",
        ),
        BadFile(
            "start-before-1990",
            "contracts",
            contracts(f"{email},1989-12-31,,100,true"),
            3,
            "start_date 1989-12-31 is outside the supported days 1990-01-01..2100-12-31",
        ),
        BadFile(
            "end-after-2100",
            "contracts",
            contracts(f"{email},2024-01-01,9999-12-31,100,true"),
            3,
            "end_date 9999-12-31 is outside the supported days 1990-01-01..2100-12-31",
        ),
        BadFile(
            "201-contracts",
            "contracts",
            contracts(*(f"{email},{day},{day},100,true" for day in many)),
            203,
            f"{email} has 201 contracts in this file (lines 3-203); "
            "at most 200 per person are accepted",
        ),
        BadFile(
            "hours-of-5000-digits",
            "corrections",
            corrections(f"{email},2024-01-01,{THOUSANDS_OF_DIGITS},"),
            3,
            f"adjust_by {digits} is too large: at most 99999999.9999 either way",
        ),
        BadFile(
            "exponent-1e999",
            "corrections",
            corrections(f"{email},2024-01-01,,1e999"),
            3,
            "set_to '1e999' has an exponent: write the number out, e.g. -7.5",
        ),
        BadFile(
            "exponent-beyond-decimal",
            "corrections",
            corrections(f"{email},2024-01-01,1E+999999999999,"),
            3,
            "adjust_by '1E+999999999999' has an exponent: write the number out, e.g. -7.5",
        ),
        BadFile(
            "nan",
            "corrections",
            corrections(f"{email},2024-01-01,,NaN"),
            3,
            "set_to 'NaN' is not a finite number",
        ),
        BadFile(
            "infinity",
            "corrections",
            corrections(f"{email},2024-01-01,-Infinity,"),
            3,
            "adjust_by '-Infinity' is not a finite number",
        ),
        BadFile(
            "date-after-2100",
            "corrections",
            corrections(f"{email},2101-01-01,1,"),
            3,
            "date 2101-01-01 is outside the supported days 1990-01-01..2100-12-31",
        ),
    ]


async def hr_data() -> tuple[list[tuple[object, ...]], ...]:
    """Every stored contract, correction and audit row: what a refused import must not touch."""
    contracts = (
        await WorkContract.all()
        .order_by("id")
        .values_list(
            "id", "person_id", "start_date", "end_date", "worktime_percent", "flex_enabled"
        )
    )
    corrections = (
        await FlexCorrection.all()
        .order_by("id")
        .values_list("id", "person_id", "date", "adjust_by", "set_to", "note")
    )
    audit = await AuditLog.all().order_by("id").values_list("id", "entity", "action")
    return (list(contracts), list(corrections), list(audit))
