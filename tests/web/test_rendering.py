"""Long pages are rendered in slices: the event loop gets turns while a page renders."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import make_mocked_request

from tests.support.web_site import web_settings
from web.app import build_web_app
from web.rendering import page_links, render, render_in_slices


async def test_rendering_in_slices_gives_the_loop_turns_and_the_same_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = build_web_app(web_settings("sqlite://:memory:"))
    request = make_mocked_request("GET", "/", app=app)
    context = {"title": "Not found", "status_code": 404, "message": "x " * 50}
    whole = render(request, "error.html", status=404, **context)

    turns = 0
    rendering = True

    async def count_turns() -> None:
        nonlocal turns
        while rendering:
            turns += 1
            await asyncio.sleep(0)

    counter = asyncio.create_task(count_turns())
    await asyncio.sleep(0)
    monkeypatch.setattr("web.rendering.PIECES_PER_SLICE", 2)
    sliced = await render_in_slices(request, "error.html", status=404, **context)
    rendering = False
    await counter
    assert sliced.text == whole.text and sliced.status == 404
    assert turns > 3


def test_page_links_keep_the_filters_and_leave_page_one_bare() -> None:
    kept = {"kind": "group", "person": ""}
    assert page_links("/audit", kept, 1, 1) == ("", "")
    assert page_links("/audit", kept, 1, 3) == ("", "/audit?kind=group&page=2")
    assert page_links("/audit", kept, 2, 3) == ("/audit?kind=group", "/audit?kind=group&page=3")
    assert page_links("/audit", {}, 3, 3) == ("/audit?page=2", "")
