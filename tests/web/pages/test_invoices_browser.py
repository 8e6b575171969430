"""Finance finds an invoice with problems and adds a fixed row to it, in headless Chromium
(Debian's, driven by Playwright) with JavaScript off.

The browser is signed in by the session cookie the site itself would write. Screenshots of the
list, the invoice and the project go to FINANCEBOT_SCREENSHOTS when that is set (the README's
come from ``FINANCEBOT_SCREENSHOTS=docs/screenshots``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from models import AuditLog, Invoice
from tests.support.chromium import browser_context as chromium_context
from tests.support.chromium import needs_chromium, screenshot
from tests.support.invoice_site import build_invoice_company
from tests.support.web_site import serve_web, session_cookie, web_settings
from web.auth import SESSION_COOKIE

pytestmark = needs_chromium


@pytest.fixture
async def browser_context() -> AsyncIterator[object]:
    async with chromium_context(width=1280, height=900) as context:
        yield context


async def test_finance_opens_an_invoice_and_adds_a_fixed_row(
    db: str, browser_context: object
) -> None:
    from playwright.async_api import BrowserContext, expect

    assert isinstance(browser_context, BrowserContext)
    company = await build_invoice_company()
    invoice = company.acme_january
    settings = web_settings(db)
    async with serve_web(settings) as site:
        cookie, _ = session_cookie(settings, company.fiona.id)
        await browser_context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": site}])
        page = await browser_context.new_page()

        await page.goto(f"{site}/")
        await (
            page.get_by_role("navigation", name="Sections")
            .get_by_role("link", name="Invoices")
            .click()
        )
        await expect(page.get_by_role("heading", name="Invoices", level=1)).to_be_visible()
        await page.get_by_label("Month").fill("2025-01")
        await page.get_by_label("Only with problems").check()
        await page.get_by_role("button", name="Show").click()
        await expect(page.locator("#invoices tbody tr")).to_have_count(2)
        await screenshot(page, "invoices.png")

        await page.get_by_role("link", name="2025-01 Acme portal").click()
        await page.wait_for_url(f"{site}/invoices/{invoice.id}")
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Acme portal · January 2025"
        )
        await expect(page.locator("#figure-hours td")).to_have_text("19.75")
        await expect(page.locator("#figure-money-EUR td")).to_have_text("1494.98 EUR")
        await expect(page.locator("#compare-hours td").nth(3)).to_have_text("+97.50 %")
        await expect(page.locator("#entries-odd_rate tbody tr")).to_have_count(2)
        await screenshot(page, "invoice.png")

        await page.get_by_role("link", name="Add a fixed row to this invoice").click()
        await page.get_by_label("Description").fill("Licence")
        await page.get_by_label("Price").fill("20,50")
        await page.get_by_label("Currency").fill("USD")
        await page.get_by_role("button", name="Save fixed row").click()
        await expect(page.get_by_role("alert")).to_contain_text("The fixed row was not saved")
        await expect(page.get_by_label("Price")).to_have_attribute("aria-invalid", "true")
        await page.get_by_label("Price").fill("20.50")
        await page.get_by_role("button", name="Save fixed row").click()
        await page.wait_for_url(f"{site}/invoices/{invoice.id}#fixed-rows")
        await expect(page.get_by_role("status")).to_have_text(
            "The fixed row Licence (20.50 USD) of Acme portal, 2025-01 was added."
        )
        await expect(page.locator("#figure-money-USD td")).to_have_text("20.50 USD")

        await page.get_by_role("link", name="Acme portal").first.click()
        await expect(page.get_by_role("heading", name="Acme portal", level=1)).to_be_visible()
        await expect(page.locator("#project-admins")).to_have_text("Paula Pm")
        await screenshot(page, "project.png")

    assert (await Invoice.get(id=invoice.id)).fixed_rows_money == {"USD": "20.5"}
    [audit] = await AuditLog.all()
    assert (audit.actor, audit.entity, audit.action) == (
        "web:fiona@example.com",
        "invoice_fixed_row",
        "create",
    )
