"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright,
JavaScript off (the admin pages must work without it; the demo's emulated Slack workspace turns
it on), and screenshots saved only when FINANCEBOT_SCREENSHOTS names a directory (the README's
come from ``FINANCEBOT_SCREENSHOTS=docs/screenshots``; the demo tour's from
``FINANCEBOT_DEMO_SCREENSHOTS=docs/demo``), so test runs leave the tree as it was."""

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
DEMO_SCREENSHOTS = os.environ.get("FINANCEBOT_DEMO_SCREENSHOTS", "")
for directory in (SCREENSHOTS, DEMO_SCREENSHOTS):
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
TIMEOUT_MS = 15_000

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; CI installs it)",
)


@asynccontextmanager
async def browser_context(
    width: int = 1280, height: int = 900, *, javascript: bool = False
) -> AsyncIterator[object]:
    """A fresh browser context (a Playwright ``BrowserContext``), closed afterwards; JavaScript
    only when asked (the emulated Slack workspace is a script-driven page)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        try:
            context = await browser.new_context(
                java_script_enabled=javascript, viewport={"width": width, "height": height}
            )
            context.set_default_timeout(TIMEOUT_MS)
            yield context
        finally:
            await browser.close()


async def screenshot(
    page: object, name: str, *, directory: str = SCREENSHOTS, full_page: bool = True
) -> None:
    """Saves the page as ``name`` in ``directory`` (FINANCEBOT_SCREENSHOTS), when that is set."""
    from playwright.async_api import Page

    assert isinstance(page, Page)
    if directory:
        await page.screenshot(path=str(Path(directory) / name), full_page=full_page)
