"""Garbage on the command line: every bad option or argument ends as one specific line on
stderr and a non-zero exit, before any database is opened or created."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_failure, financebot

LONG = "x" * 5000
HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")


def today() -> dt.date:
    return dt.datetime.now(HELSINKI).date()


CASES: list[tuple[str, list[str], list[str]]] = [
    ("no-command", [], ["the following arguments are required: COMMAND"]),
    ("unknown-command", ["flexx"], ["invalid choice: 'flexx'"]),
    ("unknown-option", ["flex", "--all", "--nonsense"], ["unrecognized arguments: --nonsense"]),
    (
        "as-of-not-a-day",
        ["flex", "--all", "--as-of", "2025-13-01"],
        ["flex --as-of: '2025-13-01' is not a date YYYY-MM-DD"],
    ),
    (
        "as-of-basic-format",
        ["flex", "--all", "--as-of", "20250131"],
        ["flex --as-of: '20250131' is not a date YYYY-MM-DD"],
    ),
    (
        "as-of-week-date",
        ["flex", "--all", "--as-of", "2025-W05-5"],
        ["flex --as-of: '2025-W05-5' is not a date YYYY-MM-DD"],
    ),
    (
        "as-of-before-1990",
        ["flex", "--all", "--as-of", "1899-12-31"],
        ["flex --as-of: 1899-12-31 is outside the supported days 1990-01-01..2100-12-31"],
    ),
    (
        "as-of-of-5000-characters",
        ["flex", "--all", "--as-of", LONG],
        ["flex --as-of: 'xxxxxxxxxx", "…' (5000 characters) is not a date YYYY-MM-DD"],
    ),
    (
        "email-of-5000-characters",
        ["flex", LONG],
        ["flex EMAIL: 'xxx", "(5000 characters) is not an e-mail address"],
    ),
    ("email-without-at", ["flex", "ada.example.com"], ["'ada.example.com' is not an e-mail"]),
    ("email-and-all", ["flex", "ada@example.com", "--all"], ["not allowed with argument"]),
    (
        "sync-start-far-back",
        ["sync", "hours", "--start-date", "0001-01-01"],
        ["sync --start-date: 0001-01-01 is outside the supported days"],
    ),
    (
        "sync-end-far-ahead",
        ["sync", "hours", "--end-date", "9999-12-31"],
        ["sync --end-date: 9999-12-31 is outside the supported days"],
    ),
    ("sync-unknown-kind", ["sync", "hourz"], ["sync WHAT: invalid choice: 'hourz'"]),
    (
        "sync-kind-of-5000-characters",
        ["sync", LONG],
        ["sync WHAT: invalid choice: 'xxxx", "(5000 characters)"],
    ),
    (
        "older-than-too-many-digits",
        ["cleanup", "--type", "events", "--older-than", "9" * 30],
        ["cleanup --older-than: '999", "must be a whole number of days 0-36500"],
    ),
    (
        "older-than-negative",
        ["cleanup", "--type", "events", "--older-than", "-5"],
        ["cleanup --older-than: '-5' must be a whole number of days 0-36500"],
    ),
    (
        "older-than-exponent",
        ["cleanup", "--type", "events", "--older-than", "1e3"],
        ["cleanup --older-than: '1e3' must be a whole number of days 0-36500"],
    ),
    (
        "group-name-with-a-dollar",
        ["group", "add", "Ad$min", "ada@example.com"],
        ["group GROUP: 'Ad$min' is not a group name: use lowercase letters, digits and '-'"],
    ),
    (
        "group-name-of-5000-characters",
        ["group", "list", LONG],
        ["group GROUP: 'xxx", "(5000 characters) is not a group name"],
    ),
    (
        "group-member-without-at",
        ["group", "add", "hr", "nobody"],
        ["group EMAIL: 'nobody' is not an e-mail address"],
    ),
    ("import-unknown-kind", ["import", "invoices", "x.csv"], ["invalid choice: 'invoices'"]),
    ("demo-data-dir-empty", ["demo", "--data-dir", " "], ["demo --data-dir: an empty path"]),
    (
        "demo-data-dir-a-file",
        ["demo", "--data-dir", __file__],
        ["demo --data-dir: '", "is a file, not a folder"],
    ),
]


@pytest.mark.parametrize(("args", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_a_bad_argument_is_one_specific_line(
    args: list[str], fragments: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "financebot.sqlite3"
    result = await financebot(*args, DATABASE_URL=f"sqlite://{path}", TENKFEET_AUTH="t")
    line = assert_one_line_failure(result, *fragments)
    assert len(line) < 400, line
    assert result.code == 2
    assert result.stdout == ""
    assert not path.exists()


async def test_as_of_more_than_a_year_ahead_is_refused_as_on_the_web(tmp_path: Path) -> None:
    path = tmp_path / "financebot.sqlite3"
    ahead = today() + dt.timedelta(days=400)
    result = await financebot(
        "flex", "--all", "--as-of", ahead.isoformat(), DATABASE_URL=f"sqlite://{path}"
    )
    latest = today() + dt.timedelta(days=366)
    assert_one_line_failure(
        result,
        f"--as-of {ahead.isoformat()} is too far ahead: the latest allowed is "
        f"{latest.isoformat()} (a year from today)",
    )
    assert not path.exists()


async def test_as_of_up_to_a_year_ahead_is_taken(db: str) -> None:
    latest = today() + dt.timedelta(days=365)  # a day of margin: the test may cross midnight
    result = await financebot("flex", "--all", "--as-of", latest.isoformat(), DATABASE_URL=db)
    assert_one_line_failure(result, "no people in the database yet")  # past the as-of check
