"""Every page of the start page, people, flex, sync and early-care set refuses visitors who
are not signed in, and archived people, before any figure is computed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest

from core.settings import Settings
from models import Person
from tests.support.signed_in import fetch, join
from tests.support.web_company import make_person
from tests.support.web_site import serve_web, web_settings

PAGES = ["/", "/users", "/users.csv", "/users/{guid}/flexhours", "/sync", "/reports/early-care"]


@dataclass
class Site:
    url: str
    settings: Settings
    person: Person


@pytest.fixture
async def site(db: str) -> AsyncIterator[Site]:
    person = await make_person("Anna", "Archived", archived=True)
    for group in ("admin", "hr"):
        await join(person, group)  # rights an archived person still may not use
    settings = web_settings(db)
    async with serve_web(settings) as url:
        yield Site(url, settings, person)


@pytest.mark.parametrize("path", PAGES)
async def test_signed_out_browsers_are_sent_to_sign_in_others_get_401(
    site: Site, path: str
) -> None:
    path = path.format(guid=site.person.guid)
    browser = await fetch(site.url + path, site.settings, headers={"Accept": "text/html"})
    assert browser.status == 302
    location = urlsplit(browser.headers["Location"])
    assert (location.path, parse_qs(location.query)["next"]) == ("/sign-in", [path])
    script = await fetch(site.url + path, site.settings)
    assert script.status == 401
    assert "Anna" not in browser.text + script.text


@pytest.mark.parametrize("path", PAGES)
async def test_an_archived_persons_session_counts_as_signed_out(site: Site, path: str) -> None:
    path = path.format(guid=site.person.guid)
    answer = await fetch(site.url + path, site.settings, site.person)
    assert answer.status == 302
    assert urlsplit(answer.headers["Location"]).path == "/sign-in"


async def test_an_archived_person_cannot_press_sync_now(site: Site) -> None:
    answer = await fetch(
        f"{site.url}/sync/run", site.settings, site.person, method="POST", data={"kind": "users"}
    )
    assert answer.status == 403
