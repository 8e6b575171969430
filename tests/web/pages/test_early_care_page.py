"""``/reports/early-care``: HR's sick-leave report, counted from today in TIME_ZONE."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from core.clock import company_today
from core.settings import Settings
from models import Person
from tests.support.flex_people import add_entry
from tests.support.signed_in import fetch, join
from tests.support.web_company import make_person
from tests.support.web_site import read_page, serve_web, web_settings


@dataclass
class Site:
    url: str
    settings: Settings
    today: dt.date
    hr: Person


async def sick(person: Person, *days: dt.date, leave_type: str = "Sick leave") -> None:
    for day in days:
        await add_entry(person, day, "7.5", leave_type=leave_type)


@pytest.fixture
async def site(db: str) -> AsyncIterator[Site]:
    settings = web_settings(db, EARLY_CARE_MAX_PERIODS="2", SICK_LEAVE_TYPES="Sick leave,Sairas")
    hr = await make_person("Helen", "Hr")
    await join(hr, "hr")
    async with serve_web(settings) as url:
        yield Site(url, settings, company_today(settings), hr)


async def test_hr_sees_flagged_people_with_their_periods_and_the_rest_apart(site: Site) -> None:
    def ago(days: int) -> dt.date:
        return site.today - dt.timedelta(days=days)

    often = await make_person("Olga", "Often")
    await sick(often, ago(100), ago(99), ago(60))  # two periods …
    await sick(often, ago(30), leave_type="Sairas")  # … and a third: over the limit of 2
    once = await make_person("Otto", "Once")
    await sick(once, ago(10), ago(8))
    await sick(once, ago(7), leave_type="Vacation")
    gone = await make_person("Gus", "Gone", archived=True)
    await sick(gone, ago(10), ago(30), ago(50), ago(70))

    answer = await fetch(f"{site.url}/reports/early-care", site.settings, site.hr)
    assert answer.status == 200
    page = read_page(answer.text)

    def period(first: int, last: int) -> str:
        length = first - last + 1
        days = "1 day" if length == 1 else f"{length} days"
        if first == last:
            return f"{ago(first).isoformat()} ({days})"
        return f"{ago(first).isoformat()} … {ago(last).isoformat()} ({days})"

    assert page.tables["early-care-flagged"][1:] == [
        ["Olga Often", "4", "3", " ".join([period(100, 99), period(60, 60), period(30, 30)])]
    ]
    assert page.tables["early-care-others"][1:] == [["Otto Once", "2", "1", period(10, 8)]]
    assert "Gus" not in answer.text
    assert "Listed when periods &gt; 2 or days &gt; 20." in answer.text
    assert "Sick leave, Sairas" in answer.text
    assert f'href="/users/{often.guid}/flexhours"' in answer.text


async def test_nobody_with_sick_leave(site: Site) -> None:
    answer = await fetch(f"{site.url}/reports/early-care", site.settings, site.hr)
    assert "Nobody is over a limit." in answer.text
    assert "Nobody else has had sick leave in the last 365 days." in answer.text


async def test_admins_and_employees_may_not_see_it(site: Site) -> None:
    olga = await make_person("Olga", "Often")
    await sick(olga, site.today - dt.timedelta(days=3))
    employee = await make_person("Emma", "Employee")
    admin = await make_person("Adam", "Admin")
    await join(admin, "admin")
    for person in (employee, admin):
        answer = await fetch(f"{site.url}/reports/early-care", site.settings, person)
        assert answer.status == 403
        assert "This needs the hr group (to see HR reports)." in answer.text
        main = answer.text.split("<main>", 1)[1]  # the header names the signed-in person
        assert "Olga Often" not in main
