"""``/``: what waits for the signed-in person, by who they are.

Figures are as of yesterday, so the people here are built around today: flex-disabled
contracts keep each saldo exactly at its ``set_to`` correction (no hours are expected).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from core.clock import company_today
from core.settings import Settings
from models import FlexCorrection, Person, SyncRun
from tests.support.flex_people import add_entry
from tests.support.signed_in import fetch, join
from tests.support.web_company import contract, make_person
from tests.support.web_site import read_page, serve_web, web_settings


@dataclass
class Site:
    url: str
    settings: Settings
    today: dt.date


@pytest.fixture
async def site(db: str) -> AsyncIterator[Site]:
    settings = web_settings(db)
    async with serve_web(settings) as url:
        yield Site(url, settings, company_today(settings))


async def person_at(first: str, saldo: str | None, today: dt.date) -> Person:
    """A person whose saldo as of yesterday is ``saldo`` (None: no contract at all)."""
    person = await make_person(first, "Test")
    if saldo is not None:
        await contract(person, today - dt.timedelta(days=30), None, flex=False)
        await FlexCorrection.create(
            person=person, date=today - dt.timedelta(days=1), set_to=Decimal(saldo)
        )
    return person


async def test_an_employee_sees_their_saldo_and_unsubmitted_hours_only(site: Site) -> None:
    me = await person_at("Emma", "12.5", site.today)
    await person_at("Ivan", "-60", site.today)  # outside the band: not for an employee
    await add_entry(me, site.today - dt.timedelta(days=3), "2.5", status="Unsubmitted")
    await add_entry(me, site.today - dt.timedelta(days=9), "4", status="Unsubmitted")
    await add_entry(me, site.today - dt.timedelta(days=2), "7.5")  # submitted
    await add_entry(me, site.today + dt.timedelta(days=2), "1", status="Unsubmitted")  # future

    answer = await fetch(f"{site.url}/", site.settings, me)
    assert answer.status == 200
    page = read_page(answer.text)
    assert page.texts["my-saldo"] == "Flex saldo for Emma Test is +12.50h"
    assert "Inside the healthy band -40.00h … +120.00h" in answer.text
    oldest = (site.today - dt.timedelta(days=9)).isoformat()
    assert page.texts["my-unsubmitted"].startswith(
        f"2 entries, 6.50 h, the oldest on {oldest}, are not submitted for approval."
    )
    assert f'href="/users/{me.guid}/flexhours"' in answer.text
    for hidden in ("outside-heading", "problems-heading", "failed-heading", "Ivan"):
        assert hidden not in answer.text
    assert 'href="/users"' not in answer.text and 'href="/sync"' not in answer.text
    assert 'href="/healthz"' in answer.text


async def test_without_a_contract_the_reason_is_given_instead_of_a_number(site: Site) -> None:
    me = await person_at("Nora", None, site.today)
    answer = await fetch(f"{site.url}/", site.settings, me)
    text = read_page(answer.text).texts["my-saldo"]
    assert text.startswith("Flex time is not activated for Nora Test: no work contract covers")
    assert "ask HR to check your contract" in text
    assert read_page(answer.text).texts["my-unsubmitted"].startswith("None")


async def test_hr_sees_people_outside_the_band_and_contract_problems(site: Site) -> None:
    helen = await person_at("Helen", "0", site.today)
    await join(helen, "hr")
    await SyncRun.create(kind="hours", status="succeeded")  # else: "not synced yet"
    await person_at("Hanna", "200", site.today)
    await person_at("Ivan", "-60", site.today)
    await person_at("Jill", "5", site.today)
    await person_at("Olli", "-45", site.today)
    carl = await make_person("Carl", "Gap")
    await contract(carl, site.today - dt.timedelta(days=60), site.today - dt.timedelta(days=40))
    await contract(carl, site.today - dt.timedelta(days=20), None)
    nina = await make_person("Nina", "Nocontract")
    await add_entry(nina, site.today - dt.timedelta(days=5), "7.5")

    answer = await fetch(f"{site.url}/", site.settings, helen)
    assert answer.status == 200
    page = read_page(answer.text)
    assert page.tables["outside-band"][1:] == [
        ["Hanna Test", "+200.00h", "▲ above"],  # 80 h out
        ["Ivan Test", "-60.00h", "▼ below"],  # 20 h out
        ["Olli Test", "-45.00h", "▼ below"],  # 5 h out
    ]
    problems = {row[0]: row[1] for row in page.tables["contract-problems"][1:]}
    assert set(problems) == {"Carl Gap", "Nina Nocontract"}
    gap_first = (site.today - dt.timedelta(days=39)).isoformat()
    assert problems["Carl Gap"].startswith(f"Gap between contracts: no contract {gap_first} …")
    assert "The flex saldo cannot be computed: no contract on" in problems["Carl Gap"]
    assert problems["Nina Nocontract"].startswith("Hours on 1 day but no work contract at all")
    assert page.texts["my-saldo"] == "Flex saldo for Helen Test is +0.00h"
    assert "failed-heading" not in answer.text  # syncs are the admins'
    assert 'href="/users"' in answer.text


async def test_admins_see_failed_syncs_but_no_ones_saldo(site: Site) -> None:
    admin = await person_at("Adam", "3", site.today)
    await join(admin, "admin")
    await person_at("Ivan", "-60", site.today)

    async def run(kind: str, status: str, started: str, error: str = "") -> None:
        record = await SyncRun.create(kind=kind, status=status, error=error)
        moment = dt.datetime.fromisoformat(started).replace(tzinfo=dt.UTC)
        await SyncRun.filter(id=record.id).update(started_at=moment)

    await run("users", "succeeded", "2025-03-01T08:00:00")
    await run("users", "failed", "2025-03-02T08:00:00", "10000ft answered 500")
    await run("hours", "failed", "2025-03-01T08:00:00", "timed out")
    await run("hours", "succeeded", "2025-03-02T09:00:00")  # the latest decides
    await run("projects", "running", "2025-03-02T10:00:00")

    answer = await fetch(f"{site.url}/", site.settings, admin)
    page = read_page(answer.text)
    assert page.tables["failed-syncs"][1:] == [
        ["users", "2025-03-02 10:00", "10000ft answered 500"],  # Europe/Helsinki
    ]
    assert 'href="/sync"' in answer.text
    assert "outside-heading" not in answer.text and "Ivan" not in answer.text
    assert page.texts["my-saldo"] == "Flex saldo for Adam Test is +3.00h"


async def test_admins_with_no_failed_syncs_are_told_so(site: Site) -> None:
    admin = await person_at("Adam", "3", site.today)
    await join(admin, "admin")
    answer = await fetch(f"{site.url}/", site.settings, admin)
    assert "None: the latest run of every kind succeeded" in answer.text
