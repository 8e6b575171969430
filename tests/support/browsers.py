"""A signed-in browser for admin-site tests: a cookie jar holding a session, so redirects are
followed and cookies the site sets (one-time notices) come back as a browser's would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from yarl import URL

from core.settings import Settings
from tests.support.web_site import session_cookie
from web.auth import SESSION_COOKIE


@dataclass
class Browser:
    session: aiohttp.ClientSession
    csrf: str
    """The CSRF token of the session: forms send it as the ``csrf_token`` field."""
    base: str

    async def get(self, path: str, *, follow: bool = True) -> tuple[int, str]:
        async with self.session.get(self.base + path, allow_redirects=follow) as response:
            if response.status in (301, 302, 303):
                return response.status, response.headers.get("Location", "")
            return response.status, await response.text()

    async def post(
        self, path: str, *, csrf: str | None = None, follow: bool = True, **fields: str
    ) -> tuple[int, str, str]:
        """Posts a form carrying ``csrf`` (the session's token by default; "" sends none);
        returns the status, the page and where a redirect pointed."""
        token = self.csrf if csrf is None else csrf
        data = {**fields, **({"csrf_token": token} if token else {})}
        async with self.session.post(
            self.base + path, data=data, allow_redirects=follow
        ) as response:
            location = response.history[0].headers.get("Location", "") if response.history else ""
            return (
                response.status,
                await response.text(),
                location or response.headers.get("Location", ""),
            )


@asynccontextmanager
async def browser(base: str, settings: Settings, person_id: int | None) -> AsyncIterator[Browser]:
    """A browser signed in as ``person_id`` (None: signed out) on the site at ``base``."""
    jar = aiohttp.CookieJar(unsafe=True)  # the test site listens on 127.0.0.1
    csrf = ""
    if person_id is not None:
        cookie, csrf = session_cookie(settings, person_id)
        jar.update_cookies({SESSION_COOKIE: cookie}, URL(base))
    async with aiohttp.ClientSession(cookie_jar=jar, headers={"Accept": "text/html"}) as session:
        yield Browser(session, csrf, base)
