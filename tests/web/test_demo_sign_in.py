"""``/demo/sign-in``: in demo mode, sign in as any sample person with a CSRF-checked POST;
outside demo mode the path does not exist."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest

from models import Group, GroupMembership, Person, Project
from tests.support.sign_in_flow import browser, csrf_field
from tests.support.web_company import make_person
from tests.support.web_site import read_page, serve_web, signed_in_headers, web_settings


@dataclasses.dataclass
class People:
    hanna: Person
    erik: Person
    ari: Person


@pytest.fixture
async def people(db: str) -> People:
    hanna = await make_person("Hanna", "Hr")
    erik = await make_person("Erik", "Employee")
    ari = await make_person("Ari", "Archived", archived=True)
    hr = await Group.create(name="hr")
    await GroupMembership.create(group=hr, person=hanna)
    project = await Project.create(tenkfeet_id=1, guid="p-1", name="Web shop")
    await project.admins.add(erik)
    return People(hanna, erik, ari)


@pytest.fixture
async def demo_site(db: str) -> AsyncIterator[str]:
    settings = dataclasses.replace(web_settings(db), demo_sign_in=True)
    async with serve_web(settings) as url:
        yield url


async def test_the_page_lists_active_people_with_their_roles(
    demo_site: str, people: People
) -> None:
    async with browser() as session, session.get(f"{demo_site}/demo/sign-in") as response:
        assert response.status == 200
        html = await response.text()
    rows = read_page(html).tables["demo-people"]
    assert rows[1:] == [
        ["Erik Employee", "employee", "Web shop", "Sign in"],
        ["Hanna Hr", "hr", "", "Sign in"],
    ]
    assert "Ari" not in html


async def test_a_click_signs_in_as_that_person_and_lands_on_next(
    demo_site: str, people: People
) -> None:
    async with browser() as session:
        async with session.get(f"{demo_site}/demo/sign-in?next=/users") as response:
            csrf = csrf_field(await response.text())
        form = {"csrf_token": csrf, "person_id": str(people.hanna.id), "next": "/users"}
        async with session.post(
            f"{demo_site}/demo/sign-in", data=form, allow_redirects=False
        ) as response:
            assert (response.status, response.headers["Location"]) == (302, "/users")
        async with session.get(f"{demo_site}/") as response:
            assert '<span class="signed-in-as">Hanna Hr</span>' in await response.text()


@pytest.mark.parametrize("csrf", [None, "forged"])
async def test_a_post_without_the_pages_token_signs_nobody_in(
    demo_site: str, people: People, csrf: str | None
) -> None:
    async with browser() as session:
        async with session.get(f"{demo_site}/demo/sign-in"):
            pass  # the visitor has a session with a token, but does not send it
        form = {"person_id": str(people.hanna.id)} | ({"csrf_token": csrf} if csrf else {})
        async with session.post(f"{demo_site}/demo/sign-in", data=form) as response:
            assert response.status == 403
        async with session.get(f"{demo_site}/", allow_redirects=False) as response:
            assert response.status == 302  # still signed out


async def test_an_archived_or_unknown_person_cannot_be_picked(
    demo_site: str, people: People
) -> None:
    async with browser() as session:
        async with session.get(f"{demo_site}/demo/sign-in") as response:
            csrf = csrf_field(await response.text())
        for person_id in (str(people.ari.id), "999999", "x"):
            form = {"csrf_token": csrf, "person_id": person_id}
            async with session.post(f"{demo_site}/demo/sign-in", data=form) as response:
                assert response.status == 400, person_id
        async with session.get(f"{demo_site}/", allow_redirects=False) as response:
            assert response.status == 302


async def test_the_sign_in_page_links_to_it_in_demo_mode(demo_site: str) -> None:
    async with browser() as session, session.get(f"{demo_site}/sign-in?next=/users") as response:
        html = await response.text()
    assert re.search(r'href="/demo/sign-in\?next=%2Fusers"', html)


async def test_outside_demo_mode_the_path_does_not_exist(db: str, people: People) -> None:
    settings = web_settings(db)
    headers = signed_in_headers(settings, people.hanna.id)
    async with serve_web(settings) as site, aiohttp.ClientSession() as session:
        async with session.get(f"{site}/demo/sign-in", headers=headers) as response:
            assert response.status == 404
        form = {"person_id": str(people.erik.id)}
        async with session.post(f"{site}/demo/sign-in", data=form, headers=headers) as response:
            assert response.status == 404
        async with session.get(
            f"{site}/demo/sign-in", headers={"Accept": "text/html"}, allow_redirects=False
        ) as response:
            assert response.status == 302  # signed out: not a public page here
        async with session.get(f"{site}/sign-in", headers={"Accept": "text/html"}) as response:
            assert "/demo/sign-in" not in await response.text()
