"""The admin site wired to the Slack emulator's Sign in with Slack, and a browser to walk it.

The site is served on a socket bound before the settings are made, so ``PUBLIC_URL`` (and
with it the redirect_uri Slack sends the browser back to) is the address it really has.
"""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bot.emulators.slack import SlackEmulator
from core.settings import Settings
from tests.support.web_site import web_settings
from web.app import build_web_app

HTML = {"Accept": "text/html"}


@dataclass(frozen=True)
class SignInSite:
    url: str
    settings: Settings


def sign_in_env(emulator: SlackEmulator) -> dict[str, str]:
    """The variables that point Sign in with Slack at ``emulator``."""
    return {
        "SLACK_API_URL": emulator.api_url,
        "SLACK_CLIENT_ID": emulator.oidc_client_id,
        "SLACK_CLIENT_SECRET": emulator.oidc_client_secret,
        "SLACK_OPENID_AUTHORIZE_URL": emulator.openid_authorize_url,
    }


@asynccontextmanager
async def serve_sign_in_site(
    database_url: str, emulator: SlackEmulator, **env: str
) -> AsyncIterator[SignInSite]:
    """The site on 127.0.0.1 (a free port), PUBLIC_URL its own address, sign-in via ``emulator``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = web_settings(database_url, PUBLIC_URL=url, **{**sign_in_env(emulator), **env})
    runner = web.AppRunner(build_web_app(settings), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        yield SignInSite(url, settings)
    finally:
        await runner.cleanup()
        sock.close()


def browser() -> aiohttp.ClientSession:
    """A client that keeps cookies as a browser does (127.0.0.1 included) and asks for HTML."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers=HTML)


async def redirect_of(session: aiohttp.ClientSession, url: str) -> str:
    """GETs ``url`` without following; returns its Location (it must be a redirect)."""
    async with session.get(url, allow_redirects=False) as response:
        assert response.status == 302, (response.status, await response.text())
        return response.headers["Location"]


async def slack_authorize_url(
    session: aiohttp.ClientSession, site: str, next_path: str | None = None
) -> str:
    """Starts sign-in (the link on /sign-in); returns where the site sends the browser."""
    query = "?" + urlencode({"next": next_path}) if next_path is not None else ""
    return await redirect_of(session, f"{site}/sign-in/slack{query}")


async def sign_in_with_slack(
    session: aiohttp.ClientSession, site: str, next_path: str | None = None
) -> tuple[int, str, str]:
    """The whole flow, the emulator signing in its ``oidc_signed_in_user``; returns the
    callback's status, its Location ("" when none) and its body."""
    authorize = await slack_authorize_url(session, site, next_path)
    callback = await redirect_of(session, authorize)
    async with session.get(callback, allow_redirects=False) as response:
        return response.status, response.headers.get("Location", ""), await response.text()


def csrf_field(html: str) -> str:
    """The value of the page's first ``csrf_token`` hidden field."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)
