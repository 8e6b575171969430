"""Text from 10000ft reaches Slack escaped: a name such as ``<!channel> <https://…|Log in>``
shows as typed, notifies nobody and links nowhere, in every message the bot builds."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from models import Person
from tests.conftest import BotUnderTest
from tests.support.flex_people import add_entry, company_today, full_month_history, make_person

HOSTILE = "<!channel> <https://evil.example|Log in again> & co"
SHOWN = "&lt;!channel&gt; &lt;https://evil.example|Log in again&gt; &amp; co"


def assert_harmless(payload: Any) -> None:
    text = json.dumps(payload, ensure_ascii=False)
    assert "<!channel>" not in text
    assert "<https://evil.example" not in text
    assert SHOWN in text


async def hostile_person(bot: BotUnderTest, slack_id: str) -> Person:
    person = await make_person("Eve", "Doe", slack_id)
    await full_month_history(person, bot.settings)
    person.first_name = HOSTILE
    await person.save()
    return person


async def test_flex_hours_reply(running_bot: BotUnderTest) -> None:
    await hostile_person(running_bot, "U0EVE")
    ack = await running_bot.emulator.send_slash_command("/flex-hours", "", user_id="U0EVE")
    assert ack.payload is not None
    assert f"Flex saldo for {SHOWN} Doe is " in ack.payload["text"]
    assert_harmless(ack.payload)


async def test_app_home(running_bot: BotUnderTest) -> None:
    eve = await hostile_person(running_bot, "U0EVE")
    yesterday = company_today(running_bot.settings) - timedelta(days=1)
    await add_entry(eve, yesterday, "1.5", status="Unsubmitted", leave_type=HOSTILE)
    emulator = running_bot.emulator
    seen = len(emulator.calls)
    await emulator.send_event(
        {"type": "app_home_opened", "user": "U0EVE", "channel": "DU0EVE", "tab": "home"}
    )
    call = await emulator.wait_for_call("views.publish", after=seen)
    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    text = json.dumps(view, ensure_ascii=False)
    assert text.count(SHOWN) >= 2  # the name in the saldo, the leave type in the hours list
    assert_harmless(view)


async def test_unfurl(running_bot: BotUnderTest) -> None:
    eve = await hostile_person(running_bot, "U0EVE")
    url = f"{running_bot.settings.public_url}/users/{eve.guid}/flexhours"
    emulator = running_bot.emulator
    seen = len(emulator.calls)
    await emulator.send_event(
        {
            "type": "link_shared",
            "channel": emulator.conversation_id("U0EVE"),  # numbers show only in own DM
            "user": "U0EVE",
            "message_ts": "1700000000.000300",
            "links": [{"domain": "127.0.0.1", "url": url}],
        }
    )
    call = await emulator.wait_for_call("chat.unfurl", after=seen)
    unfurls = call.args["unfurls"]
    assert_harmless(json.loads(unfurls) if isinstance(unfurls, str) else unfurls)


async def test_garbage_command_text_is_echoed_harmlessly(running_bot: BotUnderTest) -> None:
    await make_person("Jane", "Doe", "U0JANE")
    ack = await running_bot.emulator.send_slash_command(
        "/flex-hours", "please <!channel> & <https://evil.example|x>", user_id="U0JANE"
    )
    assert ack.payload is not None
    text = json.dumps(ack.payload, ensure_ascii=False)
    assert "<!channel>" not in text and "<https://evil.example" not in text
    assert "&lt;!channel&gt;" in text
