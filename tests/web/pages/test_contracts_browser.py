"""Editing a contract in headless Chromium (Debian's, driven by Playwright), JavaScript off:
a refused value comes back beside its field, then a valid one is saved.

The browser is signed in by the session cookie the site itself would write (the sign-in flow
has tests of its own). A screenshot of each step goes to FINANCEBOT_SCREENSHOTS when that is set.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from models import AuditLog, WorkContract
from tests.support.chromium import browser_context as chromium_context
from tests.support.chromium import needs_chromium, screenshot
from tests.support.contracts_site import hr_person, stored
from tests.support.web_company import D, build_company
from tests.support.web_site import serve_web, session_cookie, web_settings
from web.auth import SESSION_COOKIE

pytestmark = needs_chromium


@pytest.fixture
async def browser_context() -> AsyncIterator[object]:
    async with chromium_context(width=1024, height=900) as context:
        yield context


async def test_hr_fixes_a_refused_contract_edit_in_the_browser(
    db: str, browser_context: object
) -> None:
    from playwright.async_api import BrowserContext, expect

    assert isinstance(browser_context, BrowserContext)
    company = await build_company()
    hanna = await hr_person()
    first = await WorkContract.get(person_id=company.carol.id, start_date=D(2025, 1, 1))
    settings = web_settings(db)
    async with serve_web(settings) as site:
        cookie, _ = session_cookie(settings, hanna.id)
        await browser_context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": site}])
        page = await browser_context.new_page()

        await page.goto(f"{site}/contracts?q=carol")
        await page.get_by_role("link", name="Carol Cole").click()
        await expect(page.get_by_role("heading", name="Carol Cole", level=1)).to_be_visible()
        await expect(page.locator("#problems")).to_contain_text("no contract 2025-01-16")
        await page.get_by_role("link", name="Edit contract from 2025-01-01").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Edit the contract 2025-01-01..2025-01-15"
        )

        # Run into the next contract: refused beside the end date, nothing saved.
        before = await stored()
        end = page.get_by_label("End date")
        await end.fill("2025-02-10")
        await page.get_by_role("button", name="Save contract").click()
        await expect(page.get_by_role("alert")).to_contain_text("The contract was not saved")
        message = (
            "contract 2025-01-01..2025-02-10 overlaps the stored contract 2025-02-01..open-ended"
        )
        await expect(page.locator("#e-end_date")).to_have_text(message)
        await expect(end).to_have_attribute("aria-invalid", "true")
        await expect(end).to_have_accessible_description(re.compile(re.escape(message)))
        await expect(end).to_have_value("2025-02-10")  # kept as typed
        await screenshot(page, "contract-refused.png")
        assert await stored() == before

        # The summary's link leads to the field; then a valid end date is saved.
        await page.get_by_role("link", name=message).click()
        await expect(end).to_be_focused()
        await end.fill("2025-01-31")
        await page.get_by_label("Worktime percent").fill("90")
        await page.get_by_role("button", name="Save contract").click()
        await page.wait_for_url(f"{site}/contracts/{company.carol.guid}")
        await expect(page.get_by_role("status")).to_have_text(
            "The contract 2025-01-01..2025-01-31 of Carol Cole was updated."
        )
        row = page.locator(f"#contract-{first.id} td")
        await expect(row.nth(1)).to_have_text("2025-01-31")
        await expect(row.nth(2)).to_have_text("90 %")
        await expect(page.locator("#problems")).to_have_count(0)  # the gap is gone
        await screenshot(page, "contract-saved.png")

    await first.refresh_from_db()
    assert (first.end_date, first.worktime_percent) == (D(2025, 1, 31), 90)
    [audit] = await AuditLog.all()
    assert (audit.actor, audit.action) == ("web:hanna@example.com", "update")
