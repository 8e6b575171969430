"""`financebot import` with values no column holds: each file is refused with its line, the
column and the value cut short, exit status 1, and the database is left exactly as it was."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from models import Person, WorkContract
from tests.support.cli import financebot
from tests.support.csv_imports import BadFile, bad_files, hr_data

BAD_FILES = bad_files(
    "ada@example.com",
    good_contract="bob@example.com,2024-03-01,,50,true",
    good_correction="bob@example.com,2024-03-01,1.5,",
)


@pytest.mark.parametrize("bad", BAD_FILES, ids=[bad.name for bad in BAD_FILES])
async def test_an_unbounded_value_is_a_line_error_and_nothing_changes(
    bad: BadFile, db: str, tmp_path: Path
) -> None:
    ada = await Person.create(tenkfeet_id=1, guid="g-1", first_name="Ada", email="ada@example.com")
    await Person.create(tenkfeet_id=2, guid="g-2", first_name="Bob", email="bob@example.com")
    await WorkContract.create(person=ada, start_date=dt.date(2020, 1, 1), worktime_percent=100)
    before = await hr_data()
    path = tmp_path / f"{bad.name}.csv"
    path.write_bytes(bad.data)

    result = await financebot("import", bad.kind, str(path), DATABASE_URL=db)

    assert result.code == 1
    assert result.stderr_lines == [
        f"{path}:{bad.line}: {bad.message}",
        f"financebot: 1 bad row in {path}; nothing imported",
    ]
    assert result.stdout == ""
    assert await hr_data() == before
