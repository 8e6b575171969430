"""The admin site in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

JavaScript is switched off in the browser: the pages must work without it. Screenshots of
the pages go to /tmp (``financebot-users.png``, ``financebot-flexhours.png``) for a look.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.web_company import AS_OF, Company, build_company
from tests.support.web_site import serve_web, web_settings

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
SCREENSHOTS = Path(os.environ.get("FINANCEBOT_SCREENSHOTS", "/tmp"))
TIMEOUT_MS = 15_000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; CI installs it)",
)


@pytest.fixture
async def browser_page() -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        try:
            context = await browser.new_context(
                java_script_enabled=False, viewport={"width": 1280, "height": 900}
            )
            context.set_default_timeout(TIMEOUT_MS)
            yield await context.new_page()
        finally:
            await browser.close()


async def test_click_from_people_list_to_flexhours(db: str, browser_page: object) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(browser_page, Page)
    page = browser_page
    company: Company = await build_company()
    async with serve_web(web_settings(db)) as site:
        await page.goto(f"{site}/users?as_of={AS_OF}")
        await expect(page.get_by_role("heading", name="People")).to_be_visible()
        alice_row = page.get_by_role("row").filter(has_text="Alice Aalto")
        await expect(alice_row).to_contain_text("+8.75h")
        await page.screenshot(path=str(SCREENSHOTS / "financebot-users.png"), full_page=True)

        await page.get_by_role("link", name="Alice Aalto").click()
        await page.wait_for_url(f"**/users/{company.alice.guid}/flexhours?as_of={AS_OF}")
        await expect(page.locator("#saldo")).to_have_text("Flex saldo for Alice Aalto is +8.75h")
        await expect(page.locator("#saldo")).to_be_visible()
        january = page.locator("#month-2025-01")
        await expect(january).to_be_visible()
        await expect(january.locator("td")).to_have_text(
            ["139.00", "7.50", "3.00", "7.50", "150.00", "-3.50", "+6.50"]
        )
        await page.screenshot(path=str(SCREENSHOTS / "financebot-flexhours.png"), full_page=True)

        # The daily log: February starts open, January opens with a click (no JavaScript).
        feb_day = page.get_by_role("cell", name="2025-02-14", exact=True)
        jan_day = page.get_by_role("cell", name="2025-01-11", exact=True)
        await expect(feb_day).to_be_visible()
        await expect(jan_day).to_be_hidden()
        await page.locator("#days-2025-01 > summary").click()
        await expect(jan_day).to_be_visible()

        # The monthly summary's month links jump to (and open) that month's days.
        await page.locator("#days-2025-01 > summary").click()
        await expect(jan_day).to_be_hidden()
        await january.get_by_role("link", name="2025-01").click()
        await expect(jan_day).to_be_visible()


async def test_bad_as_of_shows_the_error_page(db: str, browser_page: object) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(browser_page, Page)
    async with serve_web(web_settings(db)) as site:
        response = await browser_page.goto(f"{site}/users?as_of=31.1.2025")
        assert response is not None and response.status == 400
        await expect(browser_page.get_by_role("heading", name="Bad request")).to_be_visible()
        await expect(browser_page.locator(".error-message")).to_have_text(
            "as_of must be a date written YYYY-MM-DD, like 2025-01-31; got '31.1.2025'."
        )
