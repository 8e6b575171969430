"""Slack directory sync against the Slack emulator: users linked by e-mail, channels."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulators.slack import SlackEmulator
from core.settings import load_settings
from models import Person, SlackChannel, SlackUser
from models.people_directory import slack_links
from sync.counts import SyncCounts
from sync.slack_client import build_web_client
from sync.slack_directory import SlackDirectoryError, sync_slack_channels, sync_slack_users


@pytest.fixture
async def client(slack_emulator: SlackEmulator) -> AsyncIterator[AsyncWebClient]:
    settings = load_settings(
        {"SLACK_BOT_TOKEN": slack_emulator.bot_token, "SLACK_API_URL": slack_emulator.api_url}
    )
    yield build_web_client(settings)


async def _person(n: int, email: str | None, slack_id: str | None = None) -> Person:
    return await Person.create(
        tenkfeet_id=n, guid=f"g-{n}", first_name=f"P{n}", email=email, slack_id=slack_id
    )


async def test_users_across_pages_skip_deleted_and_bots(
    db: str, slack_emulator: SlackEmulator, client: AsyncWebClient
) -> None:
    slack_emulator.page_size = 2
    slack_emulator.add_user("U1", email="ada@example.com", real_name="Ada L")
    slack_emulator.add_user("U2", email="bob@example.com")
    slack_emulator.add_user("U3", email="gone@example.com", deleted=True)
    slack_emulator.add_user("B1", is_bot=True)
    slack_emulator.add_user("USLACKBOT", real_name="Slackbot")
    slack_emulator.add_user("U4", email="cy@example.com")

    counts = await sync_slack_users(client)

    assert counts == SyncCounts(added=3, updated=0, deleted=0, skipped=3)
    assert sorted(await SlackUser.all().values_list("slack_id", flat=True)) == ["U1", "U2", "U4"]
    pages = slack_emulator.calls_to("users.list")
    assert len(pages) == 3
    assert "cursor" not in pages[0].args and pages[1].args["cursor"]
    ada = await SlackUser.get(slack_id="U1")
    assert (ada.email, ada.real_name) == ("ada@example.com", "Ada L")


async def test_people_are_matched_by_email_case_insensitively(
    db: str, slack_emulator: SlackEmulator, client: AsyncWebClient
) -> None:
    slack_emulator.add_user("U1", email="Ada.Lovelace@Example.COM")
    slack_emulator.add_user("U2", email="bob@example.com", deleted=True)
    ada = await _person(1, "ada.lovelace@example.com")
    bob = await _person(2, "bob@example.com", slack_id="U2")
    nobody = await _person(3, None)

    await sync_slack_users(client)

    await ada.refresh_from_db()
    await bob.refresh_from_db()
    await nobody.refresh_from_db()
    assert ada.slack_id == "U1"
    assert bob.slack_id is None  # the Slack user was deleted: unlinked
    assert nobody.slack_id is None


async def test_second_sync_updates_and_removes(
    db: str, slack_emulator: SlackEmulator, client: AsyncWebClient
) -> None:
    ada = slack_emulator.add_user("U1", email="ada@example.com", real_name="Ada")
    slack_emulator.add_user("U2", email="bob@example.com")
    await _person(2, "bob@example.com")
    await sync_slack_users(client)

    ada["real_name"] = "Ada Lovelace"
    slack_emulator.users = [u for u in slack_emulator.users if u["id"] != "U2"]
    counts = await sync_slack_users(client)

    assert counts == SyncCounts(added=0, updated=1, deleted=1, skipped=0)
    assert (await SlackUser.get(slack_id="U1")).real_name == "Ada Lovelace"
    assert not await SlackUser.filter(slack_id="U2").exists()
    assert (await Person.get(tenkfeet_id=2)).slack_id is None


async def test_failed_fetch_changes_nothing(
    db: str, slack_emulator: SlackEmulator, client: AsyncWebClient
) -> None:
    slack_emulator.page_size = 1
    slack_emulator.add_user("U1", email="ada@example.com")
    slack_emulator.add_user("U2", email="bob@example.com")
    await _person(1, "ada@example.com")
    slack_emulator.fail_once("users.list", status=200, error="invalid_auth", after=1)

    with pytest.raises(SlackDirectoryError, match=r"^Slack users.list: invalid_auth \(HTTP 200\)$"):
        await sync_slack_users(client)
    assert len(slack_emulator.calls_to("users.list")) == 2  # the first page was fetched
    assert await SlackUser.all().count() == 0
    assert (await Person.get(tenkfeet_id=1)).slack_id is None


def test_slack_links_rules() -> None:
    users = [("U1", "ada@example.com"), ("U9", None), ("U7", "Bob@Example.com")]
    people = [
        (1, "ADA@example.com", None),  # matched
        (2, "nobody@example.com", "U9"),  # linked to a user without that e-mail: unlinked
        (3, "gone@example.com", "U5"),  # linked to a user who is gone: unlinked
        (4, "ada@example.com", "U1"),  # already right: no change
        (5, "alice@example.com", "U7"),  # U7's e-mail is now Bob's: Alice loses the link
        (6, "bob@example.com", None),
    ]
    assert slack_links(people, users) == {1: "U1", 2: None, 3: None, 5: None, 6: "U7"}


async def test_channels_across_pages_keep_archived_flag(
    db: str, slack_emulator: SlackEmulator, client: AsyncWebClient
) -> None:
    slack_emulator.page_size = 2
    slack_emulator.add_channel("C1", "general")
    slack_emulator.add_channel("C2", "old-project", archived=True)
    slack_emulator.add_channel("G1", "finance", private=True)

    counts = await sync_slack_channels(client)

    assert counts == SyncCounts(added=3, updated=0, deleted=0, skipped=0)
    assert len(slack_emulator.calls_to("conversations.list")) == 2
    rows = {c.slack_id: (c.name, c.archived, c.is_private) for c in await SlackChannel.all()}
    assert rows == {
        "C1": ("general", False, False),
        "C2": ("old-project", True, False),
        "G1": ("finance", False, True),
    }


async def test_channel_gone_from_slack_is_marked_archived(
    db: str, slack_emulator: SlackEmulator, client: AsyncWebClient
) -> None:
    general = slack_emulator.add_channel("C1", "general")
    slack_emulator.add_channel("C2", "project-x")
    await sync_slack_channels(client)
    general["is_archived"] = True
    slack_emulator.channels = [general]

    counts = await sync_slack_channels(client)

    assert counts == SyncCounts(added=0, updated=1, deleted=1, skipped=0)
    assert [c.archived for c in await SlackChannel.all().order_by("slack_id")] == [True, True]
