"""``/audit`` over HTTP: newest first in TIME_ZONE, filters, pages of 100, correction values
for HR only, and refusals for everyone else."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from core.settings import Settings
from models import AuditLog, GroupMembership, Person
from models.audit import record_change
from models.groups import add_member
from tests.support.browsers import browser
from tests.support.web_site import read_page, serve_web, web_settings

_ids = itertools.count(8000)
TIME_ZONE = "America/New_York"


@dataclass
class Site:
    url: str
    settings: Settings
    ada: Person  # admin
    hanna: Person  # hr
    fred: Person  # finance
    gone: Person  # archived admin


async def person(first: str) -> Person:
    n = next(_ids)
    return await Person.create(
        tenkfeet_id=n,
        guid=f"{first.lower()}-{n}",
        first_name=first,
        last_name="Test",
        email=f"{first.lower()}@example.com",
    )


@pytest.fixture
async def site(db: str) -> AsyncIterator[Site]:
    ada, hanna, fred, gone = [await person(n) for n in ("Ada", "Hanna", "Fred", "Gone")]
    for group, member in (("admin", ada), ("hr", hanna), ("finance", fred), ("admin", gone)):
        await add_member(group, member, actor="cli:ops")
    await Person.filter(id=gone.id).update(archived=True)
    await AuditLog.all().delete()
    await record_change(
        actor="import:contracts.csv (ops)",
        entity="work_contract",
        entity_id=1,
        action="update",
        before={"email": "fred@example.com", "worktime_percent": 100, "end_date": None},
        after={"email": "fred@example.com", "worktime_percent": 80, "end_date": None},
    )
    await record_change(
        actor="web:hanna@example.com",
        entity="flex_correction",
        entity_id=2,
        action="create",
        before=None,
        after={"email": "fred@example.com", "adjust_by": "12.5", "note": "<b>overtime</b>"},
        note="<b>overtime</b> moved",
    )
    await add_member("devs", fred, actor="web:ada@example.com", create_group=True)
    settings = web_settings(db, TIME_ZONE=TIME_ZONE)
    async with serve_web(settings) as url:
        yield Site(url, settings, ada, hanna, fred, gone)


def rows(html: str) -> list[list[str]]:
    return read_page(html).tables["audit"][1:]


async def test_admins_read_the_log_newest_first_in_the_company_time_zone(site: Site) -> None:
    async with browser(site.url, site.settings, site.ada.id) as admin:
        status, html = await admin.get("/audit")
    assert status == 200
    entries = rows(html)
    membership = await GroupMembership.get(group__name="devs")
    assert [row[1:3] for row in entries] == [
        ["web:ada@example.com", f"group member create · fred@example.com #{membership.id}"],
        ["web:ada@example.com", "group create #devs"],
        ["web:hanna@example.com", "flex correction create · fred@example.com #2"],
        ["import:contracts.csv (ops)", "contract update · fred@example.com #1"],
    ]
    assert (
        entries[0][3]
        == f"group: devs email: fred@example.com name: Fred Test person_id: {site.fred.id}"
    )
    assert entries[3][3] == "email: fred@example.com end_date: - worktime_percent: 100 → 80"
    assert '<li class="changed">worktime_percent: 100 → 80</li>' in html
    # An admin outside HR sees that a correction was made, not its values or HR's note.
    assert entries[2][3] == "values hidden: flex numbers are for the hr group"
    assert "12.5" not in html and "overtime" not in html
    # Times are the company's: the newest row's stored UTC moment, in New York.
    newest = await AuditLog.all().order_by("-id").first()
    assert newest is not None
    local = newest.created_at.astimezone(ZoneInfo(TIME_ZONE))
    assert entries[0][0] == local.strftime("%Y-%m-%d %H:%M")
    assert f'datetime="{local.isoformat()}"' in html
    assert read_page(html).texts["counts"] == f"4 changes · times in {TIME_ZONE}"
    assert '<a href="/audit" aria-current="page">Audit log</a>' in html


async def test_hr_reads_correction_values_escaped(site: Site) -> None:
    async with browser(site.url, site.settings, site.hanna.id) as hr:
        status, html = await hr.get("/audit?kind=correction")
    assert status == 200
    assert rows(html)[0][3] == (
        "email: fred@example.com adjust_by: 12.5 note: <b>overtime</b> Note: <b>overtime</b> moved"
    )
    assert "&lt;b&gt;overtime&lt;/b&gt; moved" in html
    assert '<a href="/groups"' not in html  # hr may read the log, not manage groups


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=group", ["group member create", "group create"]),
        ("kind=contract", ["contract update"]),
        ("kind=invoice_check", []),
        ("person=hanna@example.com", ["flex correction create"]),  # the actor
        ("person=Hanna+Test", ["flex correction create"]),  # a name, through the actor's e-mail
        (
            "person=FRED%40example.com",
            ["group member create", "flex correction create", "contract update"],
        ),
        ("kind=group&person=fred", ["group member create"]),
        ("person=nobody", []),
    ],
)
async def test_filters_by_kind_and_person(site: Site, query: str, expected: list[str]) -> None:
    async with browser(site.url, site.settings, site.ada.id) as admin:
        status, html = await admin.get(f"/audit?{query}")
    assert status == 200
    found = [row[2].split(" · ")[0].split(" #")[0] for row in rows(html)] if expected else []
    assert found == expected
    if not expected:
        assert "No changes match these filters." in html
    # The filters stay filled in.
    if "person=" in query:
        assert 'name="person" type="search" value="' in html


async def test_the_filter_form_keeps_the_chosen_kind(site: Site) -> None:
    async with browser(site.url, site.settings, site.ada.id) as admin:
        _, html = await admin.get("/audit?kind=group&person=fred")
    assert '<option value="group" selected>Groups</option>' in html
    assert 'value="fred"' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("kind=everything", "kind must be one of all, contract, correction, group, invoice_check"),
        ("page=0", "page must be a page number"),
        ("page=two", "page must be a page number"),
    ],
)
async def test_bad_parameters_answer_400(site: Site, query: str, message: str) -> None:
    async with browser(site.url, site.settings, site.ada.id) as admin:
        status, html = await admin.get(f"/audit?{query}")
    assert status == 400
    assert message in html


async def test_pages_of_a_hundred_with_links_that_keep_the_filters(site: Site) -> None:
    for n in range(101):
        await record_change(
            actor="cli:ops",
            entity="group",
            entity_id=f"g{n}",
            action="create",
            before=None,
            after={"group": f"g{n}"},
        )
    async with browser(site.url, site.settings, site.ada.id) as admin:
        _, first = await admin.get("/audit?kind=group")
        _, second = await admin.get("/audit?kind=group&page=2")
    assert len(rows(first)) == 100
    assert read_page(first).texts["counts"] == (f"103 changes · page 1 of 2 · times in {TIME_ZONE}")
    assert '<a href="/audit?kind=group&amp;page=2" rel="next">Older →</a>' in first
    assert "Newer" not in first
    membership = await GroupMembership.get(group__name="devs")
    assert [row[2] for row in rows(second)] == [
        "group create #g0",
        f"group member create · fred@example.com #{membership.id}",
        "group create #devs",
    ]
    assert '<a href="/audit?kind=group" rel="prev">← Newer</a>' in second
    assert "Older" not in second


# --- refusals ------------------------------------------------------------------------------


async def test_signed_out_visitors_and_archived_people_are_sent_to_sign_in(site: Site) -> None:
    async with browser(site.url, site.settings, None) as visitor:
        assert await visitor.get("/audit?kind=group", follow=False) == (
            302,
            "/sign-in?next=/audit?kind%3Dgroup",
        )
    async with browser(site.url, site.settings, site.gone.id) as archived:
        assert (await archived.get("/audit", follow=False))[0] == 302
    async with aiohttp.ClientSession() as script, script.get(site.url + "/audit") as response:
        assert response.status == 401


async def test_finance_is_refused_naming_the_groups_that_may(site: Site) -> None:
    async with browser(site.url, site.settings, site.fred.id) as finance:
        status, html = await finance.get("/audit")
        _, start = await finance.get("/")
    assert status == 403
    assert "This needs the admin or hr group (to see the audit log)." in html
    assert "web:ada@example.com" not in html
    assert '<a href="/audit"' not in start and '<a href="/groups"' not in start


async def test_a_change_made_on_groups_shows_up_in_the_log(site: Site) -> None:
    async with browser(site.url, site.settings, site.ada.id) as admin:
        await admin.post("/groups/hr/members", email="fred@example.com")
        _, html = await admin.get("/audit?kind=group&person=fred")
    membership = await GroupMembership.get(group__name="hr", person_id=site.fred.id)
    assert rows(html)[0][1:3] == [
        "web:ada@example.com",
        f"group member create · fred@example.com #{membership.id}",
    ]
    assert rows(html)[0][3].startswith("group: hr ")
