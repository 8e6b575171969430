"""The workspace page in headless Chromium, on the bare emulator (no bot needed to read): Block
Kit and mrkdwn drawn as Slack draws them, nothing in a message taken as markup, and a message
changed or posted while the page is open shown without a reload."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulators.slack import SlackEmulator
from tests.support.chromium import browser_context, needs_chromium

pytestmark = needs_chromium

BLOCKS: list[dict[str, Any]] = [
    {"type": "header", "text": {"type": "plain_text", "text": "Invoice ready :white_check_mark:"}},
    {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "*Bold* _italic_ ~gone~ `code` <https://x.example/a?b=1&amp;c=2|the link> "
            "for <@U0BOB> on <!date^1700000000^{date}|Nov 14> "
            "&lt;img src=x onerror=alert(1)&gt; <javascript:alert(1)|bad link>",
        },
        "accessory": {
            "type": "image",
            "image_url": "https://x.example/i.png",
            "alt_text": "a face",
        },
    },
    {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": "*Hours*\n12.50"},
            {"type": "mrkdwn", "text": "*Money*\n100.00 EUR"},
        ],
    },
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "As of today"}]},
    {"type": "divider"},
    {
        "type": "image",
        "image_url": "https://x.example/chart.png",
        "alt_text": "monthly chart",
        "title": {"type": "plain_text", "text": "Chart"},
    },
    {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "```row 1\n&lt;b&gt;row&lt;/b&gt; 2```"},
    },
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "go",
                "style": "primary",
                "text": {"type": "plain_text", "text": "Review"},
            },
            {
                "type": "button",
                "action_id": "open",
                "url": "https://x.example/open",
                "text": {"type": "plain_text", "text": "Open"},
            },
        ],
    },
]


@pytest.fixture
async def page() -> AsyncIterator[object]:
    async with browser_context(1280, 900, javascript=True) as context:
        from playwright.async_api import BrowserContext

        assert isinstance(context, BrowserContext)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        assert not errors, errors


async def test_messages_are_drawn_from_their_blocks_and_change_in_place(
    slack_emulator: SlackEmulator, page: object
) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    slack_emulator.add_user("U0ADA", real_name="Ada Lovelace", name="ada")
    slack_emulator.add_user("U0BOB", real_name="Bob Berg", name="bob")
    slack_emulator.add_channel("C0GENERAL", "general")
    client = AsyncWebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    posted = await client.chat_postMessage(channel="U0ADA", text="Invoice ready", blocks=BLOCKS)

    await page.goto(f"{slack_emulator.base_url}/workspace?as=U0ADA")
    await page.get_by_role("tab", name="Messages").click()
    message = page.locator("article.message").first
    content = message.locator(".message-content")
    await expect(content.locator(".header")).to_have_text("Invoice ready ✔")
    await expect(content.locator("strong").first).to_have_text("Bold")
    await expect(content.locator("em")).to_have_text("italic")
    await expect(content.locator("s")).to_have_text("gone")
    await expect(content.locator("code")).to_have_text("code")
    link = content.get_by_role("link", name="the link")
    await expect(link).to_have_attribute("href", "https://x.example/a?b=1&c=2")
    await expect(content.locator(".mention")).to_have_text("@Bob Berg")
    await expect(content).to_contain_text("on Nov 14")
    await expect(content).to_contain_text("<img src=x onerror=alert(1)>")  # shown, not made
    await expect(content.locator("img")).to_have_count(0)
    await expect(content.get_by_role("link", name="bad link")).to_have_count(0)
    await expect(content.get_by_role("img", name="a face")).to_be_visible()
    await expect(content.get_by_role("img", name="monthly chart")).to_be_visible()
    await expect(content.locator(".field")).to_have_count(2)
    await expect(content.locator(".field").nth(1)).to_contain_text("Money")
    await expect(content.locator(".context")).to_have_text("As of today")
    await expect(content.locator("hr")).to_have_count(1)
    await expect(content.locator("pre")).to_have_text("row 1\n<b>row</b> 2")
    await expect(content.get_by_role("button", name="Review")).to_have_class("btn primary")
    await expect(content.get_by_role("button", name="Open")).to_have_attribute(
        "href", "https://x.example/open"
    )

    await page.evaluate("window.stillTheSamePage = true")
    await client.chat_update(channel="U0ADA", ts=posted["ts"], text="*Approved* by Ada", blocks=[])
    await expect(content).to_have_text("Approved by Ada")
    await expect(message.locator(".edited")).to_have_text("(edited)")
    await client.chat_postMessage(channel="U0ADA", text="and one more")
    await expect(page.locator("article.message")).to_have_count(2)
    await expect(page.locator("article.message").last).to_contain_text("and one more")
    assert await page.evaluate("window.stillTheSamePage") is True
