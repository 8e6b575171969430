"""Requests to the admin site as a signed-in person, and the groups that give them rights."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from multidict import CIMultiDictProxy

from core.settings import Settings
from models import Group, GroupMembership, Person
from tests.support.web_site import signed_in_headers
from web.app import build_web_app


async def join(person: Person, group_name: str) -> None:
    group, _ = await Group.get_or_create(name=group_name)
    await GroupMembership.create(group=group, person=person)


@dataclass
class Answer:
    status: int
    text: str
    headers: CIMultiDictProxy[str]


async def fetch(
    url: str,
    settings: Settings,
    person: Person | None = None,
    *,
    method: str = "GET",
    data: dict[str, str] | None = None,
    headers: dict[str, str | None] | None = None,
) -> Answer:
    """One request (redirects not followed), signed in as ``person`` when given (the session
    cookie and the CSRF header of a browser); ``headers`` add to or replace those (None
    removes one)."""
    sent = signed_in_headers(settings, person.id) if person is not None else {}
    for name, value in (headers or {}).items():
        if value is None:
            sent.pop(name, None)
        else:
            sent[name] = value
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, data=data, headers=sent, allow_redirects=False) as response,
    ):
        body = await response.read()
        return Answer(response.status, body.decode("utf-8", "replace"), response.headers)


@asynccontextmanager
async def serve_app(
    settings: Settings, **options: Any
) -> AsyncIterator[tuple[str, web.Application]]:
    """Like ``serve_web``, also yielding the app (its background syncs, its worker);
    ``options`` go to ``build_web_app`` (what the bot gives the site)."""
    app = build_web_app(settings, **options)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}", app
    finally:
        await runner.cleanup()


def rows_of(table: list[list[str]]) -> list[list[str]]:
    """A table's rows without its header row."""
    return table[1:]


__all__ = ["Answer", "fetch", "join", "rows_of", "serve_app"]
