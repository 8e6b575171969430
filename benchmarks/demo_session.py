"""A browser session signed in as one person, for the admin-site benchmarks.

Benchmarks may not use the test suite, so they sign in as the demo does: the site runs with
``demo_sign_in`` on, the demo sign-in page hands out a CSRF token, and posting the person's
id starts their session. The cookie jar accepts cookies from 127.0.0.1.
"""

from __future__ import annotations

import re

import aiohttp

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


async def signed_in_session(
    base_url: str, person_id: int, **options: object
) -> aiohttp.ClientSession:
    """An open ClientSession (close it) whose cookies sign in as ``person_id``."""
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), **options)  # type: ignore[arg-type]
    try:
        async with session.get(f"{base_url}/demo/sign-in") as page:
            found = CSRF_INPUT.search(await page.text())
            if page.status != 200 or found is None:
                raise SystemExit(f"no demo sign-in page at {base_url} (status {page.status})")
        form = {"csrf_token": found.group(1), "person_id": str(person_id), "next": "/"}
        async with session.post(
            f"{base_url}/demo/sign-in", data=form, allow_redirects=False
        ) as answer:
            if answer.status != 302:
                raise SystemExit(f"demo sign-in refused: {answer.status} {await answer.text()}")
    except BaseException:
        await session.close()
        raise
    return session
