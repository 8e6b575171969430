"""One-time notices after a form succeeded (POST, redirect, GET): kept in the session until
the next page that shows them reads them."""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import get_session

NOTICE_KEY = "notice"
#: A notice is one sentence; longer text would only bloat the cookie.
MAX_NOTICE_CHARS = 500


async def leave_notice(request: web.Request, text: str) -> None:
    session = await get_session(request)
    session[NOTICE_KEY] = text[:MAX_NOTICE_CHARS]


async def take_notice(request: web.Request) -> str:
    """The waiting notice ("" when none), removed from the session."""
    session = await get_session(request)
    notice = session.pop(NOTICE_KEY, "")
    return notice if isinstance(notice, str) else ""
