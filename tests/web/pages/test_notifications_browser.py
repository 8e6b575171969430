"""An admin marks a channel for new projects, previews last month's invoice review requests and
sends them, in headless Chromium (Debian's, driven by Playwright) with JavaScript off."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.emulators.slack import SlackEmulator
from bot.notifications.web_notifier import BotNotifier
from core.clock import company_today
from models import Client, Invoice, Project, SlackChannel
from models.invoices.review_requests import previous_month
from tests.support.chromium import browser_context as chromium_context
from tests.support.chromium import needs_chromium, screenshot
from tests.support.signed_in import join, serve_app
from tests.support.web_company import make_person
from tests.support.web_site import session_cookie, web_settings
from web.app_keys import NOTIFY_NOW_KEY
from web.auth import SESSION_COOKIE

pytestmark = needs_chromium


@pytest.fixture
async def browser_context() -> AsyncIterator[object]:
    async with chromium_context(width=1280, height=900) as context:
        yield context


async def test_admin_marks_a_channel_previews_and_sends(
    db: str, slack_emulator: SlackEmulator, browser_context: object
) -> None:
    from playwright.async_api import BrowserContext, expect

    assert isinstance(browser_context, BrowserContext)
    admin = await make_person("Adam", "Admin", slack_id="U0ADAM")
    await join(admin, "admin")
    await SlackChannel.create(slack_id="C0NEWS", name="news")
    settings = web_settings(
        db, SLACK_BOT_TOKEN=slack_emulator.bot_token, SLACK_API_URL=slack_emulator.api_url
    )
    year, month = previous_month(company_today(settings))
    project = await Project.create(
        tenkfeet_id=77, guid="p-apollo", name="Apollo", client=await Client.create(name="Acme")
    )
    await project.admins.add(admin)
    await Invoice.create(project=project, year=year, month=month, hours=10, money=1000)

    async with serve_app(settings, notifier=BotNotifier(settings)) as (site, app):
        cookie, _ = session_cookie(settings, admin.id)
        await browser_context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": site}])
        page = await browser_context.new_page()
        await page.goto(f"{site}/")
        await (
            page.get_by_role("navigation", name="Sections")
            .get_by_role("link", name="Notifications")
            .click()
        )
        await expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()

        await page.get_by_label("announce new projects").check()
        await page.get_by_role("button", name="Save channels").click()
        await expect(page.locator("#notice")).to_have_text("New project posts: #news on.")
        assert (await SlackChannel.get(slack_id="C0NEWS")).new_project_notifications

        await page.get_by_role("button", name="Preview invoices notifications").click()
        await expect(page.locator("#preview tbody tr")).to_have_count(1)
        await expect(page.locator("#preview tbody tr td").nth(2)).to_have_text(
            "Adam Admin (U0ADAM)"
        )
        await screenshot(page, "notifications-preview.png")
        assert slack_emulator.calls_to("chat.postMessage") == []

        await page.get_by_role("button", name="Send 1 message now").click()
        await expect(page.locator("#notice")).to_contain_text("in the background")
        task = app[NOTIFY_NOW_KEY].task("invoices")
        if task is not None:
            await asyncio.wait_for(asyncio.shield(task), 10)
        await page.reload()
        await expect(page.locator("#kind-invoices")).to_contain_text("1 sent")
        await expect(page.locator("#history tbody tr")).to_have_count(1)
        await expect(page.locator("#history tbody tr td").nth(5)).to_have_text("sent")
        await screenshot(page, "notifications.png")
    assert len(slack_emulator.calls_to("chat.postMessage")) == 1
