"""The admin site on a free port for tests, and a small reader for the tables it serves."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html.parser import HTMLParser

from aiohttp import web
from cryptography.fernet import Fernet

from core.settings import Settings, load_settings
from web.app import build_web_app
from web.auth import CSRF_HEADER, SESSION_COOKIE, session_key


def web_settings(database_url: str, **env: str) -> Settings:
    return load_settings(
        {"DATABASE_URL": database_url, "WEB_PORT": "0", "SECRET_KEY": TEST_SECRET_KEY, **env}
    )


@asynccontextmanager
async def serve_web(settings: Settings) -> AsyncIterator[str]:
    """Serves ``build_web_app(settings)`` on 127.0.0.1, a random port; yields the base URL."""
    runner = web.AppRunner(build_web_app(settings), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        assert runner.addresses, "the site did not bind"
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


class _Tables(HTMLParser):
    """Collects the text of every table cell, per row, for tables and rows with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.rows: dict[str, list[str]] = {}
        self.texts: dict[str, str] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._row_id: str | None = None
        self._cell: list[str] | None = None
        self._element_ids: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ident = dict(attrs).get("id")
        if tag == "table":
            self._table = ident or f"table-{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr":
            self._row, self._row_id = [], ident
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        if ident and tag not in ("table", "tr"):
            self._element_ids.append((tag, ident, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._table is not None:
                self.tables[self._table].append(self._row)
            if self._row_id:
                self.rows[self._row_id] = self._row
            self._row = None
        elif tag == "table":
            self._table = None
        if self._element_ids and self._element_ids[-1][0] == tag:
            _, ident, parts = self._element_ids.pop()
            self.texts[ident] = " ".join("".join(parts).split())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        for _, _, parts in self._element_ids:
            parts.append(data)


def read_page(html: str) -> _Tables:
    """``.tables[id]`` (rows of cell texts), ``.rows[id]`` (one row), ``.texts[id]``."""
    reader = _Tables()
    reader.feed(html)
    return reader


TEST_SECRET_KEY = base64.b64encode(b"financebot-tests-session-key-32b").decode()


def session_cookie(settings: Settings, person_id: int, *, age_seconds: int = 0) -> tuple[str, str]:
    """The admin site's session cookie for ``person_id``, as the site itself would write it,
    and the CSRF token stored in it. ``settings`` must carry ``SECRET_KEY``."""
    now = int(time.time()) - age_seconds
    csrf = "test-csrf-" + str(person_id)
    data = {
        "created": now,
        "session": {"person_id": person_id, "signed_in_at": now, "csrf_token": csrf},
    }
    fernet = Fernet(base64.urlsafe_b64encode(session_key(settings)))
    return fernet.encrypt(json.dumps(data).encode()).decode(), csrf


def signed_in_headers(settings: Settings, person_id: int) -> dict[str, str]:
    """Request headers of a browser signed in as ``person_id`` (cookie + CSRF header)."""
    cookie, csrf = session_cookie(settings, person_id)
    return {"Cookie": f"{SESSION_COOKIE}={cookie}", CSRF_HEADER: csrf, "Accept": "text/html"}
