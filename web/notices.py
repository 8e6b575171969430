"""One-time notices: what a form did, said on the page the browser is redirected to.

A POST that changes something answers with a redirect (POST-redirect-GET), so its outcome
("Added … to hr.") travels in the session until the next page shows it, once. Keeping it out
of the URL means nobody can craft a link that shows a made-up notice.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import get_session

NOTICE_KEY = "notice"
NOTICE_MAX = 500


async def leave_notice(request: web.Request, text: str) -> None:
    session = await get_session(request)
    session[NOTICE_KEY] = text[:NOTICE_MAX]


async def take_notice(request: web.Request) -> str:
    """The waiting notice ("" when none), removed from the session."""
    session = await get_session(request)
    text = session.pop(NOTICE_KEY, "")
    return text if isinstance(text, str) else ""
