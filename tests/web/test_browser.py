"""The admin site in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

JavaScript is switched off in the browser: the pages must work without it. Every visit signs
in as a person does: the site sends the browser to the Slack emulator's authorize page, the
person picks themselves there, and Slack's answer brings them back signed in.

Screenshots of the pages are saved only when FINANCEBOT_SCREENSHOTS names a directory (the
README's come from ``FINANCEBOT_SCREENSHOTS=docs/screenshots``), so test runs leave the tree
as it was.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.emulators.slack import SlackEmulator
from models import Group, GroupMembership
from models.permissions import HR_GROUP
from tests.support.chromium import browser_context, needs_chromium, screenshot
from tests.support.sign_in_flow import serve_sign_in_site
from tests.support.web_company import AS_OF, Company, build_company

pytestmark = needs_chromium


@pytest.fixture
async def browser_page() -> AsyncIterator[object]:
    async with browser_context() as context:
        from playwright.async_api import BrowserContext

        assert isinstance(context, BrowserContext)
        yield await context.new_page()


@pytest.fixture
async def company(db: str, slack_emulator: SlackEmulator) -> Company:
    """The web tests' company; Alice is in HR, and she and Bob have Slack accounts."""
    company = await build_company()
    hr = await Group.create(name=HR_GROUP)
    await GroupMembership.create(group=hr, person=company.alice)
    await company.bob.update_from_dict({"slack_id": "UBOB"}).save()
    slack_emulator.add_user("UALICE", email="alice@example.com", real_name="Alice Aalto")
    slack_emulator.add_user("UBOB", email="bob@example.com", real_name="Bob Berg")
    return company


@pytest.fixture
async def site(db: str, slack_emulator: SlackEmulator, company: Company) -> AsyncIterator[str]:
    async with serve_sign_in_site(db, slack_emulator) as served:
        yield served.url


def sign_in_url(site: str, next_path: str) -> Callable[[str], bool]:
    """Matches the sign-in page's URL with ``next_path`` (however the site quotes it)."""

    def matches(url: str) -> bool:
        parts = urlsplit(url)
        return url.startswith(f"{site}/sign-in?") and parse_qs(parts.query) == {"next": [next_path]}

    return matches


async def sign_in_through_slack(page: object, name: str) -> None:
    """On the sign-in page: Sign in with Slack, then pick ``name`` on the emulated Slack."""
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_role("link", name="Sign in with Slack").click()
    await page.get_by_role("button", name=name).click()


async def test_sign_in_through_slack_lands_on_the_start_page(
    site: str, browser_page: object
) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(browser_page, Page)
    page = browser_page
    await page.goto(f"{site}/")
    await page.wait_for_url(sign_in_url(site, "/"))
    await screenshot(page, "sign-in.png")
    await sign_in_through_slack(page, "Alice Aalto")
    await page.wait_for_url(f"{site}/")
    await expect(page.locator(".signed-in-as")).to_have_text("Alice Aalto")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await screenshot(page, "start.png")

    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(f"{site}/sign-in")
    await page.goto(f"{site}/")
    await page.wait_for_url(sign_in_url(site, "/"))


async def test_an_employee_cannot_open_the_people_list(site: str, browser_page: object) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(browser_page, Page)
    page = browser_page
    await page.goto(f"{site}/sign-in")
    await sign_in_through_slack(page, "Bob Berg")
    await page.wait_for_url(f"{site}/")
    response = await page.goto(f"{site}/users")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    await expect(page.locator(".error-message")).to_contain_text("the hr group")
    await expect(page.get_by_role("cell", name="Alice Aalto")).to_have_count(0)


async def test_click_from_people_list_to_flexhours(
    site: str, company: Company, browser_page: object
) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(browser_page, Page)
    page = browser_page
    await page.goto(f"{site}/users?as_of={AS_OF}")
    await sign_in_through_slack(page, "Alice Aalto")  # and back to the page asked for
    await page.wait_for_url(f"{site}/users?as_of={AS_OF}")
    await expect(page.get_by_role("heading", name="People")).to_be_visible()
    alice_row = page.get_by_role("row").filter(has_text="Alice Aalto")
    await expect(alice_row).to_contain_text("+8.75h")
    await screenshot(page, "users.png")

    await page.get_by_role("link", name="Alice Aalto").click()
    await page.wait_for_url(f"**/users/{company.alice.guid}/flexhours?as_of={AS_OF}")
    await expect(page.locator("#saldo")).to_have_text("Flex saldo for Alice Aalto is +8.75h")
    await expect(page.locator("#saldo")).to_be_visible()
    january = page.locator("#month-2025-01")
    await expect(january).to_be_visible()
    await expect(january.locator("td")).to_have_text(
        ["139.00", "7.50", "3.00", "7.50", "150.00", "-3.50", "+6.50"]
    )
    await screenshot(page, "flexhours.png")

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


async def test_bad_as_of_shows_the_error_page(site: str, browser_page: object) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(browser_page, Page)
    await browser_page.goto(f"{site}/sign-in")
    await sign_in_through_slack(browser_page, "Alice Aalto")
    await browser_page.wait_for_url(f"{site}/")
    response = await browser_page.goto(f"{site}/users?as_of=31.1.2025")
    assert response is not None and response.status == 400
    await expect(browser_page.get_by_role("heading", name="Bad request")).to_be_visible()
    await expect(browser_page.locator(".error-message")).to_have_text(
        "as_of must be a date written YYYY-MM-DD, like 2025-01-31; got '31.1.2025'."
    )


@pytest.mark.parametrize(
    ("path", "nav", "heading", "shot"),
    [
        ("/users", "People", "People", "people.png"),
        ("/contracts", "Contracts", "Contracts and corrections", "contracts.png"),
        ("/groups", "Groups", "Groups", "groups.png"),
        ("/audit", "Audit log", "Audit log", "audit.png"),
        ("/sync", "Syncs", "Syncs", "sync.png"),
        ("/reports/early-care", "Early care", "Sick-leave early care", "early-care.png"),
    ],
)
async def test_every_admin_page_opens_in_the_browser(
    site: str,
    company: Company,
    browser_page: object,
    path: str,
    nav: str,
    heading: str,
    shot: str,
) -> None:
    """Alice, in HR and admin, opens each page of the panel from its navigation link."""
    from playwright.async_api import Page, expect

    admin = await Group.create(name="admin")
    await GroupMembership.create(group=admin, person=company.alice)
    assert isinstance(browser_page, Page)
    page = browser_page
    await page.goto(f"{site}{path}")
    await sign_in_through_slack(page, "Alice Aalto")
    await page.wait_for_url(f"{site}{path}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    link = page.get_by_role("navigation", name="Sections").get_by_role("link", name=nav)
    await expect(link).to_have_attribute("aria-current", "page")
    await screenshot(page, shot)
