"""`financebot flex`, run as a real process against this run's test database."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from models import HourEntry, Person, PublicHoliday, WorkContract
from tests.support.processes import start_cli

D = Decimal
TIME_ZONE = "Europe/Helsinki"


@dataclass
class Outcome:
    code: int
    out: str
    err: str


async def financebot(database_url: str, *args: str) -> Outcome:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TIME_ZONE": TIME_ZONE,
        "FLEX_MAX_MINUS": "-10",
        "FLEX_MAX_PLUS": "20",
    }
    proc = await start_cli(*args, env=env)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return Outcome(proc.returncode, out.decode(), err.decode())


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


async def person(n: int, first: str, last: str, email: str | None, **extra: object) -> Person:
    return await Person.create(
        tenkfeet_id=n, guid=f"guid-{n}", first_name=first, last_name=last, email=email, **extra
    )


async def work(who: Person, date: str, hours: str, n: int) -> None:
    await HourEntry.create(
        tenkfeet_id=n, person=who, date=day(date), hours=D(hours), status="Approved"
    )


async def company() -> dict[str, Person]:
    """January 2024 from Monday the 1st (a holiday); as of Friday Feb 2, 2024:
    Ada works 10 h every workday (+2.5/day), Bob nothing, Cy has a gap, Dee's contract ended.
    """
    await PublicHoliday.create(date=day("2024-01-01"), name="New Year")
    ada = await person(1, "Ada", "Lovelace", "ada@example.com")
    bob = await person(2, "Bob", "Builder", "bob@example.com")
    cy = await person(3, "Cy", "Gap", "cy@example.com")
    dee = await person(4, "Dee", "Parted", "dee@example.com")
    await person(5, "Old", "Timer", "old@example.com", archived=True)
    await person(6, "No", "Mail", None)
    for who in (ada, bob):
        await WorkContract.create(person=who, start_date=day("2024-01-01"), worktime_percent=100)
    await WorkContract.create(
        person=cy, start_date=day("2024-01-01"), end_date=day("2024-01-10"), worktime_percent=100
    )
    await WorkContract.create(person=cy, start_date=day("2024-01-15"), worktime_percent=100)
    await WorkContract.create(
        person=dee, start_date=day("2024-01-01"), end_date=day("2024-01-31"), worktime_percent=100
    )
    n = 100
    date = day("2024-01-02")
    while date <= day("2024-02-02"):
        if date.weekday() < 5:
            n += 1
            await work(ada, date.isoformat(), "10", n)
        date += dt.timedelta(days=1)
    return {"ada": ada, "bob": bob, "cy": cy, "dee": dee}


# Jan 2–31: 22 workdays, Feb 1–2: 2 workdays. Ada: +55.00h in January (22 × 2.5), saldo
# +60.00h; Bob: -165.00h in January, saldo -180.00h.


async def test_one_person_human_output(db: str) -> None:
    await company()
    result = await financebot(db, "flex", "ADA@example.com", "--as-of", "2024-02-02")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "Flex saldo for Ada Lovelace is +60.00h"
    assert "As of 2024-02-02" in lines
    assert "Change from last month: +5.00h" in lines
    assert "Band: above (-10.00h to +20.00h)" in lines
    january = next(line for line in lines if line.startswith("2024-01"))
    assert january.split() == [
        "2024-01",
        "+220.00",
        "+0.00",
        "+0.00",
        "+0.00",
        "+165.00",
        "+55.00",
        "+55.00",
    ]


async def test_one_person_json(db: str) -> None:
    await company()
    result = await financebot(db, "flex", "bob@example.com", "--as-of", "2024-02-02", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data == {
        "name": "Bob Builder",
        "email": "bob@example.com",
        "guid": "guid-2",
        "as_of": "2024-02-02",
        "status": "ok",
        "saldo": "-180.00",
        "change_from_last_month": "-15.00",
        "band": "below",
        "error_day": None,
        "message": "",
        "months": [
            {
                "month": "2024-01",
                "work": "0.00",
                "leave": "0.00",
                "overtime": "0.00",
                "unpaid": "0.00",
                "expected": "165.00",
                "diff": "-165.00",
                "saldo": "-165.00",
            },
            {
                "month": "2024-02",
                "work": "0.00",
                "leave": "0.00",
                "overtime": "0.00",
                "unpaid": "0.00",
                "expected": "15.00",
                "diff": "-15.00",
                "saldo": "-180.00",
            },
        ],
    }


async def test_as_of_changes_the_day(db: str) -> None:
    await company()
    result = await financebot(db, "flex", "ada@example.com", "--as-of", "2024-01-31", "--json")
    data = json.loads(result.out)
    assert (data["as_of"], data["saldo"], data["change_from_last_month"]) == (
        "2024-01-31",
        "55.00",
        None,
    )


async def test_default_as_of_is_yesterday_in_the_time_zone(db: str) -> None:
    await company()
    before = dt.datetime.now(zoneinfo.ZoneInfo(TIME_ZONE)).date() - dt.timedelta(days=1)
    result = await financebot(db, "flex", "dee@example.com", "--json")
    after = dt.datetime.now(zoneinfo.ZoneInfo(TIME_ZONE)).date() - dt.timedelta(days=1)
    data = json.loads(result.out)
    assert data["as_of"] in {before.isoformat(), after.isoformat()}
    assert data["status"] == "not_active"  # Dee's contract ended in January 2024
    assert data["saldo"] is None


async def test_everyone_sorted_from_lowest_with_failures_listed(db: str) -> None:
    await company()
    result = await financebot(db, "flex", "--all", "--as-of", "2024-02-02")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "Flex saldo as of 2024-02-02, lowest first (band -10.00h to +20.00h)"
    body = [line.split() for line in lines[2:4]]
    assert body == [
        ["LOW", "-180.00h", "-15.00h", "Bob", "Builder", "bob@example.com"],
        ["HIGH", "+60.00h", "+5.00h", "Ada", "Lovelace", "ada@example.com"],
    ]
    failures = lines[lines.index("Cannot compute (2):") + 1 :]
    assert failures == [
        "  Cy Gap <cy@example.com>: no contract on 2024-01-11: add a contract, or a set_to "
        "correction at the next contract's start",
        "  Dee Parted <dee@example.com>: flex saldo is not activated: no work contract holds "
        "2024-02-02",
    ]
    assert "Old Timer" not in result.out and "No Mail" not in result.out


async def test_everyone_json(db: str) -> None:
    await company()
    result = await financebot(db, "flex", "--all", "--as-of", "2024-01-05", "--json")
    data = json.loads(result.out)
    assert data["as_of"] == "2024-01-05"
    assert data["band"] == {"max_minus": "-10.00", "max_plus": "20.00"}
    assert [(p["name"], p["saldo"], p["band"]) for p in data["people"]] == [
        ("Bob Builder", "-30.00", "below"),
        ("Cy Gap", "-30.00", "below"),
        ("Dee Parted", "-30.00", "below"),
        ("Ada Lovelace", "10.00", "inside"),
    ]
    assert data["not_computed"] == []


async def test_unknown_email_fails_with_one_line(db: str) -> None:
    await company()
    result = await financebot(db, "flex", "nobody@example.com")
    assert result.code == 1
    assert result.err.strip() == "financebot: no person with e-mail 'nobody@example.com'"
    assert result.out == ""
