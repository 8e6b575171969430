"""Unfurls of admin-site links end to end: link_shared → chat.unfurl."""

from __future__ import annotations

import json

import pytest

from models.groups import add_member
from tests.conftest import BotUnderTest
from tests.support.flex_people import full_month_history, make_person
from tests.support.unfurls import share


def flex_link(bot: BotUnderTest, guid: str) -> str:
    return f"{bot.settings.public_url}/users/{guid}/flexhours"


async def test_own_link_in_own_dm_shows_the_numbers(running_bot: BotUnderTest) -> None:
    jane = await make_person("Jane", "Doe", "U0JANE")
    await full_month_history(jane, running_bot.settings)
    url = flex_link(running_bot, jane.guid)
    dm = running_bot.emulator.conversation_id("U0JANE")
    args = await share(running_bot, "U0JANE", url, channel=dm)
    assert (args["channel"], args["ts"]) == (dm, "1700000000.000200")
    assert list(args["unfurls"]) == [url]
    assert "Flex saldo for Jane Doe is +3.25h" in json.dumps(args["unfurls"][url])


@pytest.mark.parametrize(
    "where",
    [
        "C0GENERAL",  # a channel: everyone there would see the numbers
        "G0GROUPDM",  # a group DM
        "D0OTHERDM",  # a DM, but not this person's DM with the bot
    ],
)
async def test_own_link_elsewhere_is_private(running_bot: BotUnderTest, where: str) -> None:
    jane = await make_person("Jane", "Doe", "U0JANE")
    await full_month_history(jane, running_bot.settings)
    url = flex_link(running_bot, jane.guid)
    unfurl = json.dumps((await share(running_bot, "U0JANE", url, channel=where))["unfurls"][url])
    assert "private" in unfurl and "3.25" not in unfurl


async def test_hr_gets_no_numbers_in_a_channel_or_their_own_dm(running_bot: BotUnderTest) -> None:
    await make_person("Hanna", "Hr", "U0HANNA", hr=True)
    bob = await make_person("Bob", "Builder", "U0BOB")
    await full_month_history(bob, running_bot.settings)
    url = flex_link(running_bot, bob.guid)
    for where in ("C0GENERAL", running_bot.emulator.conversation_id("U0HANNA")):
        unfurl = json.dumps((await share(running_bot, "U0HANNA", url, channel=where))["unfurls"])
        assert "private" in unfurl and "3.25" not in unfurl and "Bob" not in unfurl


async def test_an_archived_person_gets_no_numbers_even_in_own_dm(running_bot: BotUnderTest) -> None:
    old = await make_person("Olle", "Old", "U0OLLE", archived=True)
    await full_month_history(old, running_bot.settings)
    url = flex_link(running_bot, old.guid)
    dm = running_bot.emulator.conversation_id("U0OLLE")
    unfurl = json.dumps((await share(running_bot, "U0OLLE", url, channel=dm))["unfurls"][url])
    assert "private" in unfurl and "3.25" not in unfurl


async def test_someone_elses_link_is_private(running_bot: BotUnderTest) -> None:
    await make_person("Eve", "Curious", "U0EVE")
    bob = await make_person("Bob", "Builder", "U0BOB")
    await full_month_history(bob, running_bot.settings)
    url = flex_link(running_bot, bob.guid)
    for sharer in ("U0EVE", "U0STRANGER"):
        unfurl = json.dumps(
            (await share(running_bot, sharer, url))["unfurls"][url], ensure_ascii=False
        )
        assert "private" in unfurl
        assert "Bob" not in unfurl and "3.25" not in unfurl


async def test_an_admin_outside_hr_gets_the_private_unfurl(running_bot: BotUnderTest) -> None:
    boss = await make_person("Boss", "Admin", "U0BOSS")
    await add_member("admin", boss, actor="test")
    bob = await make_person("Bob", "Builder", "U0BOB")
    await full_month_history(bob, running_bot.settings)
    url = flex_link(running_bot, bob.guid)
    unfurl = json.dumps((await share(running_bot, "U0BOSS", url))["unfurls"][url])
    assert "private" in unfurl and "3.25" not in unfurl


async def test_unknown_guid_and_other_pages_get_a_neutral_unfurl(running_bot: BotUnderTest) -> None:
    await make_person("Hanna", "Hr", "U0HANNA", hr=True)
    unknown = flex_link(running_bot, "no-such-guid")
    page = f"{running_bot.settings.public_url}/contracts"
    elsewhere = "https://example.org/users/x/flexhours"
    args = await share(running_bot, "U0HANNA", unknown, page, elsewhere)
    assert sorted(args["unfurls"]) == sorted([unknown, page])
    assert "*Flex hours* in Finance Bot" in json.dumps(args["unfurls"][unknown])
    assert "*A page* in Finance Bot" in json.dumps(args["unfurls"][page])


async def test_links_in_the_composer_are_unfurled_by_unfurl_id(running_bot: BotUnderTest) -> None:
    jane = await make_person("Jane", "Doe", "U0JANE")
    await full_month_history(jane, running_bot.settings)
    url = flex_link(running_bot, jane.guid)
    args = await share(running_bot, "U0JANE", url, source="composer", channel="COMPOSER")
    assert (args.get("source"), args.get("unfurl_id")) == ("composer", "UNFURL-1")
    assert "channel" not in args
    # The message may go anywhere once sent: the numbers stay out of it.
    unfurl = json.dumps(args["unfurls"][url])
    assert "private" in unfurl and "+3.25h" not in unfurl
