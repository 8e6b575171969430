"""The demo's emulated Slack workspace in headless Chromium: the three stories a person trying
Finance Bot walks, on a real `financebot demo` (SQLite, its sample company).

- an employee asks `/flex-hours` and opens App Home;
- an approver gets the invoice review request, clicks Review, confirms the checks, approves,
  sees the message change, and pastes the invoice's link to see its unfurl;
- a project admin reads the manager digest.

The review requests and the digest are sent from the workspace's menu of scheduled jobs (the
demo starts on any day of the month). Screenshots for the README's tour are saved when
FINANCEBOT_DEMO_SCREENSHOTS names a directory (``FINANCEBOT_DEMO_SCREENSHOTS=docs/demo``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import TEST_DB
from tests.support.chromium import DEMO_SCREENSHOTS, browser_context, needs_chromium, screenshot
from tests.support.demo_process import RunningDemo, running_demo

pytestmark = [
    needs_chromium,
    pytest.mark.skipif(
        TEST_DB == "postgres",
        reason="`financebot demo` runs on SQLite only; the SQLite run walks these stories",
    ),
]

SALDO = r"[+-]\d+\.\d{2}h"
WIDTH, HEIGHT = 1280, 820


@pytest.fixture(scope="module")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningDemo]:
    data_dir = Path(tmp_path_factory.mktemp("demo")) / "data"
    async with running_demo(data_dir) as running:
        yield running


@pytest.fixture
async def page(demo: RunningDemo) -> AsyncIterator[object]:
    """A page with scripts on; a script error on it fails the test."""
    async with browser_context(WIDTH, HEIGHT, javascript=True) as context:
        from playwright.async_api import BrowserContext

        assert isinstance(context, BrowserContext)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        assert not errors, errors


async def shot(page: object, name: str) -> None:
    await screenshot(page, name, directory=DEMO_SCREENSHOTS, full_page=False)


async def sign_in_as(page: object, demo: RunningDemo, name: str) -> None:
    """Opens the workspace and picks ``name`` among the sample people."""
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await page.goto(demo.workspace_url)
    await expect(page.get_by_role("heading", name="Who are you?")).to_be_visible()
    await page.get_by_role("button", name=name).click()
    await expect(page.get_by_label("You are")).to_have_value(re.compile(r"^U"))
    await expect(page.get_by_role("heading", name="Finance Bot", level=1)).to_be_visible()


async def run_scheduled_job(page: object, label: str, outcome: str) -> None:
    """Runs a job from the menu of scheduled jobs and waits until it says ``outcome`` (a
    regular expression)."""
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await page.get_by_role("button", name="Run scheduled jobs now").click()
    await page.get_by_role("menuitem", name=label).click()
    done = page.get_by_role("status").filter(has_text=re.compile(label + ": " + outcome))
    await expect(done).to_be_visible(timeout=60_000)
    # Dismissed (a click on each), so that the screenshots show the messages.
    await page.locator(".toast").evaluate_all("toasts => toasts.forEach(t => t.click())")
    await expect(page.locator(".toast")).to_have_count(0)


async def newest_message_with(page: object, text: str) -> object:
    """The newest message saying ``text`` in the app's Messages tab or, failing that, in the
    first group DM that has one (a Playwright ``Locator``)."""
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    found = page.locator("article.message", has_text=text).last
    await page.get_by_role("button", name="Finance Bot").click()
    await page.get_by_role("tab", name="Messages").click()
    await expect(page.get_by_role("tab", name="Messages")).to_have_attribute(
        "aria-selected", "true"
    )
    places = page.locator("#dms").get_by_role("button")
    for index in range(await places.count()):
        if await found.count():
            break
        await places.nth(index).click()
        await expect(places.nth(index)).to_have_attribute("aria-current", "page")
    await expect(found).to_be_visible()
    return found


async def test_an_employee_asks_flex_hours_and_opens_app_home(
    demo: RunningDemo, page: object
) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await page.goto(demo.workspace_url)
    await expect(page.get_by_role("button", name="Helmi Mäkinen")).to_be_visible()
    await shot(page, "choose-person.png")
    await sign_in_as(page, demo, "Helmi Mäkinen")

    home = page.get_by_role("region", name="Home tab")
    await expect(home.get_by_text("Your flex saldo")).to_be_visible()
    await expect(home).to_contain_text(re.compile(f"Flex saldo for Helmi Mäkinen is {SALDO}"))
    await expect(home.get_by_text("Unsubmitted hours")).to_be_visible()
    await shot(page, "app-home.png")

    await page.get_by_role("tab", name="Messages").click()
    composer = page.get_by_role("textbox", name="Message")
    await composer.fill("/flex-hours")
    await composer.press("Enter")
    reply = page.locator("article.message.ephemeral").last
    await expect(reply).to_contain_text(re.compile(f"Flex saldo for Helmi Mäkinen is {SALDO}"))
    await expect(reply).to_contain_text("Only visible to you")
    await expect(composer).to_have_value("")

    # Someone else's saldo is for HR only: the answer names nobody's numbers.
    await composer.fill("/flex-hours @eino.virtanen")
    await composer.press("Enter")
    await expect(page.locator("article.message.ephemeral")).to_have_count(2)
    refusal = page.locator("article.message.ephemeral").last
    await expect(refusal).not_to_contain_text("Flex saldo for Eino")
    await shot(page, "flex-hours.png")


async def test_an_approver_reviews_approves_and_shares_an_invoice(
    demo: RunningDemo, page: object
) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await sign_in_as(page, demo, "Eino Virtanen")
    await run_scheduled_job(
        page, "2nd of the month: invoice review requests", r"invoices \d{4}-\d{2}: "
    )

    # The request went to the project's admins: a DM for one, a group DM for several.
    request = await newest_message_with(page, "Invoice ready for review")
    await expect(request).to_be_visible()
    await expect(request).to_contain_text("Waiting for approval")
    await request.scroll_into_view_if_needed()
    await shot(page, "invoice-review-request.png")
    invoice_link = await request.get_by_role(
        "link", name="Open the invoice in Finance Bot"
    ).get_attribute("href")
    assert invoice_link and "/invoices/" in invoice_link

    await request.get_by_role("button", name="Review").click()
    modal = page.get_by_role("dialog", name="Review invoice")
    await expect(modal.get_by_text("Confirm each flagged check")).to_be_visible()
    await modal.get_by_label("I have checked this invoice and approve it").check()
    await modal.get_by_role("button", name="Save").click()
    error = modal.get_by_role("alert")
    await expect(error).to_contain_text("Tick every flagged check")
    await shot(page, "invoice-review-errors.png")

    boxes = modal.get_by_role("checkbox", name=re.compile("^Checked:"))
    assert await boxes.count() >= 1
    for index in range(await boxes.count()):
        await boxes.nth(index).check()
    await modal.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("dialog")).to_contain_text("You approved it.")
    await page.get_by_role("dialog").get_by_role("button", name="Close").first.click()
    await expect(page.get_by_role("dialog")).to_have_count(0)

    await expect(request).to_contain_text("approved by Eino Virtanen")
    await expect(request.locator(".edited")).to_have_text("(edited)")
    await request.scroll_into_view_if_needed()
    await shot(page, "invoice-approved.png")

    await page.get_by_role("button", name="projects").click()
    composer = page.get_by_role("textbox", name="Message")
    await composer.fill(f"The invoice is approved: {invoice_link}")
    await composer.press("Enter")
    shared = page.locator("article.message", has_text="The invoice is approved").last
    await expect(shared.locator(".unfurl")).to_contain_text("Approved")
    await shot(page, "invoice-unfurl.png")


async def test_a_project_admin_reads_the_manager_digest(demo: RunningDemo, page: object) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await sign_in_as(page, demo, "Eino Virtanen")
    await run_scheduled_job(page, "Monday: manager digests", r"manager-digest \d{4}-W\d{2}: ")
    await page.get_by_role("tab", name="Messages").click()
    digest = page.locator("article.message", has_text="Waiting for you").last
    await expect(digest).to_contain_text("Mobile app")
    await expect(digest).to_contain_text("Hours not approved")
    await expect(digest.get_by_role("button", name="Review").first).to_be_visible()
    await digest.scroll_into_view_if_needed()
    await shot(page, "manager-digest.png")
