"""What the /contracts tests share: people in groups, a signed-in visitor that keeps its session
cookie (notices live there) and posts forms with the session's CSRF token, and counts of what
the database holds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from yarl import URL

from core.settings import Settings
from models import AuditLog, FlexCorrection, Group, GroupMembership, Person, WorkContract
from tests.support.web_company import make_person
from tests.support.web_site import session_cookie
from web.auth import CSRF_FIELD, SESSION_COOKIE

HTML = {"Accept": "text/html"}


async def add_to_group(person: Person, name: str) -> Person:
    group, _ = await Group.get_or_create(name=name)
    await GroupMembership.create(group=group, person=person)
    return person


async def hr_person(first: str = "Hanna", last: str = "Hr", *, archived: bool = False) -> Person:
    """A person in the hr group (e-mail ``first@example.com``, lower-cased)."""
    return await add_to_group(await make_person(first, last, archived=archived), "hr")


@dataclass(frozen=True)
class Stored:
    """How many contracts, corrections and audit rows the database holds."""

    contracts: int
    corrections: int
    audit_rows: int


async def stored() -> Stored:
    return Stored(
        await WorkContract.all().count(),
        await FlexCorrection.all().count(),
        await AuditLog.all().count(),
    )


@dataclass
class Visitor:
    """A browser on the admin site: signed in (or not), its cookies kept between requests."""

    site: str
    session: aiohttp.ClientSession
    csrf: str

    async def get(self, path: str) -> tuple[int, str]:
        async with self.session.get(self.site + path, headers=HTML) as response:
            return response.status, await response.text()

    async def get_response(self, path: str) -> aiohttp.ClientResponse:
        """The response itself, redirects not followed (read it inside ``async with``)."""
        return await self.session.get(self.site + path, headers=HTML, allow_redirects=False)

    async def post(
        self, path: str, form: Mapping[str, str] | aiohttp.FormData, *, csrf: str | None = None
    ) -> tuple[int, str, str]:
        """Posts ``form`` with the session's CSRF token (or ``csrf``; "" sends none); returns
        status, body and the Location header (redirects are not followed)."""
        token = self.csrf if csrf is None else csrf
        if isinstance(form, aiohttp.FormData):
            data = form
            if token:
                data.add_field(CSRF_FIELD, token)
        else:
            data = aiohttp.FormData({**form, **({CSRF_FIELD: token} if token else {})})
        async with self.session.post(
            self.site + path, data=data, headers=HTML, allow_redirects=False
        ) as response:
            return response.status, await response.text(), response.headers.get("Location", "")


@asynccontextmanager
async def visitor(site: str, settings: Settings, person: Person | None) -> AsyncIterator[Visitor]:
    """A visitor signed in as ``person`` (None: signed out)."""
    jar = aiohttp.CookieJar(unsafe=True)  # the site is at 127.0.0.1
    csrf = ""
    if person is not None:
        cookie, csrf = session_cookie(settings, person.id)
        jar.update_cookies({SESSION_COOKIE: cookie}, URL(site))
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        yield Visitor(site, session, csrf)
