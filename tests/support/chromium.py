"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright,
JavaScript off (the pages must work without it), and screenshots saved only when
FINANCEBOT_SCREENSHOTS names a directory (the README's come from
``FINANCEBOT_SCREENSHOTS=docs/screenshots``), so test runs leave the tree as it was."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("FINANCEBOT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = os.environ.get("FINANCEBOT_SCREENSHOTS", "")
if SCREENSHOTS:
    Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
TIMEOUT_MS = 15_000

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; CI installs it)",
)


@asynccontextmanager
async def browser_context(width: int = 1280, height: int = 900) -> AsyncIterator[object]:
    """A fresh browser context (a Playwright ``BrowserContext``), closed afterwards."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        try:
            context = await browser.new_context(
                java_script_enabled=False, viewport={"width": width, "height": height}
            )
            context.set_default_timeout(TIMEOUT_MS)
            yield context
        finally:
            await browser.close()


async def screenshot(page: object, name: str) -> None:
    """Saves the page as ``name`` in FINANCEBOT_SCREENSHOTS, when that is set."""
    from playwright.async_api import Page

    assert isinstance(page, Page)
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)
