"""`/flex-hours` end to end over Socket Mode: the ack carries the reply."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from handlers.flex.blocks import UNKNOWN_ASKER
from handlers.flex.command import (
    Help,
    NotUnderstood,
    OwnSaldo,
    SomeoneElse,
    parse_flex_request,
)
from models import HourEntry, SyncRun, WorkContract
from models.groups import add_member
from tests.conftest import BotUnderTest
from tests.support.flex_people import (
    company_today,
    full_month_history,
    make_person,
)


async def ask(bot: BotUnderTest, user_id: str, text: str = "") -> dict[str, Any]:
    ack = await bot.emulator.send_slash_command("/flex-hours", text, user_id=user_id)
    assert ack.payload is not None
    assert ack.payload["response_type"] == "ephemeral"
    return ack.payload


def text_of(reply: dict[str, Any]) -> str:
    return json.dumps(reply, ensure_ascii=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", OwnSaldo()),
        ("   ", OwnSaldo()),
        ("me", OwnSaldo()),
        ("help", Help()),
        (" HELP ", Help()),
        ("<@U123ABC|jane>", SomeoneElse(slack_id="U123ABC")),
        ("<@W0ABC>", SomeoneElse(slack_id="W0ABC")),
        ("@jane.doe", SomeoneElse(handle="jane.doe")),
        ("<@U1> <@U2>", NotUnderstood("<@U1> <@U2>")),
        ("what is my saldo", NotUnderstood("what is my saldo")),
        ("<#C123|general>", NotUnderstood("<#C123|general>")),
    ],
)
def test_parse_flex_request(text: str, expected: object) -> None:
    assert parse_flex_request(text) == expected


async def test_own_saldo_with_exact_numbers(running_bot: BotUnderTest) -> None:
    jane = await make_person("Jane", "Doe", "U0JANE")
    history = await full_month_history(jane, running_bot.settings)
    reply = await ask(running_bot, "U0JANE")
    assert reply["text"] == "Flex saldo for Jane Doe is +3.25h"
    body = text_of(reply)
    assert f"Change from last month: +{history.change:.2f}h" in body
    assert "Inside the healthy band -40.00h … +120.00h" in body
    assert f"As of {history.as_of.isoformat()}" in body
    chart = next(
        b["text"]["text"] for b in reply["blocks"] if "```" in b.get("text", {}).get("text", "")
    )
    rows = chart.split("```")[1].splitlines()
    assert [row[:7] for row in rows] == history.months
    assert rows[-1].split()[1] == "+3.25h"
    urls = [e["url"] for e in reply["blocks"][-1]["elements"]]
    assert urls == [
        f"{running_bot.settings.public_url}/users/{jane.guid}/flexhours",
        running_bot.settings.tenkfeet_app_url,
    ]


async def test_help(running_bot: BotUnderTest) -> None:
    reply = await ask(running_bot, "U0ANY", "help")
    assert "`/flex-hours @someone`" in text_of(reply)


async def test_unknown_slack_id(running_bot: BotUnderTest) -> None:
    await make_person("Jane", "Doe", "U0JANE")
    reply = await ask(running_bot, "U0STRANGER")
    assert reply == {"response_type": "ephemeral", "text": UNKNOWN_ASKER}


async def test_archived_person(running_bot: BotUnderTest) -> None:
    old = await make_person("Olga", "Old", "U0OLGA", archived=True)
    await full_month_history(old, running_bot.settings)
    reply = await ask(running_bot, "U0OLGA")
    assert "Olga Old is archived in 10000ft" in reply["text"]
    assert "Flex saldo for Olga Old is" not in text_of(reply)


async def test_flex_not_active(running_bot: BotUnderTest) -> None:
    ned = await make_person("Ned", "Gone", "U0NED")
    history = await full_month_history(ned, running_bot.settings)
    await WorkContract.filter(person=ned).update(end_date=history.as_of - timedelta(days=3))
    reply = await ask(running_bot, "U0NED")
    assert reply["text"].startswith("Flex time is not activated for Ned Gone")
    assert history.as_of.isoformat() in reply["text"]


async def test_no_contract_in_a_gap_names_the_day(running_bot: BotUnderTest) -> None:
    gap = await make_person("Gabe", "Gap", "U0GABE")
    history = await full_month_history(gap, running_bot.settings)
    await WorkContract.filter(person=gap).update(end_date=history.start + timedelta(days=6))
    await WorkContract.create(
        person=gap,
        start_date=history.start + timedelta(days=14),
        end_date=None,
        worktime_percent=100,
    )
    reply = await ask(running_bot, "U0GABE")
    first_gap_day = (history.start + timedelta(days=7)).isoformat()
    assert reply["text"].startswith("Flex saldo for Gabe Gap cannot be computed")
    assert f"no contract on {first_gap_day}" in reply["text"]


async def test_not_synced_yet(running_bot: BotUnderTest) -> None:
    new = await make_person("Nina", "New", "U0NINA")
    today = company_today(running_bot.settings)
    await WorkContract.create(
        person=new, start_date=today - timedelta(days=30), end_date=None, worktime_percent=100
    )
    reply = await ask(running_bot, "U0NINA")
    assert reply["text"].startswith("Hours have not been synced from 10000ft yet")
    # After a sync, no hours means none were logged: the number stands (domain rule 5).
    await SyncRun.create(kind="hours", status="succeeded")
    reply = await ask(running_bot, "U0NINA")
    assert reply["text"].startswith("Flex saldo for Nina New is -")


async def test_hr_asks_about_someone(running_bot: BotUnderTest) -> None:
    await make_person("Hanna", "Hr", "U0HANNA", hr=True)
    bob = await make_person("Bob", "Builder", "U0BOB", handle="bob")
    await full_month_history(bob, running_bot.settings)
    reply = await ask(running_bot, "U0HANNA", "<@U0BOB|bob>")
    assert reply["text"] == "Flex saldo for Bob Builder is +3.25h"
    reply = await ask(running_bot, "U0HANNA", "@bob")
    assert reply["text"] == "Flex saldo for Bob Builder is +3.25h"
    reply = await ask(running_bot, "U0HANNA", "<@U0NOBODY>")
    assert reply["text"].startswith("I couldn't find <@U0NOBODY> in 10000ft")


async def test_others_are_refused_politely(running_bot: BotUnderTest) -> None:
    eve = await make_person("Eve", "Curious", "U0EVE")
    await full_month_history(eve, running_bot.settings)
    bob = await make_person("Bob", "Builder", "U0BOB")
    await full_month_history(bob, running_bot.settings)
    await make_person("Ari", "Archived", "U0ARI", archived=True, hr=True)
    for asker in ("U0EVE", "U0ARI", "U0STRANGER"):
        reply = await ask(running_bot, asker, "<@U0BOB>")
        assert reply["text"].startswith("Sorry, only HR can see someone else's flex saldo")
        assert "Bob" not in text_of(reply)
    # Mentioning yourself is just asking for your own saldo.
    reply = await ask(running_bot, "U0EVE", "<@U0EVE|eve>")
    assert reply["text"] == "Flex saldo for Eve Curious is +3.25h"


async def test_admins_and_finance_are_no_hr_in_slack_either(running_bot: BotUnderTest) -> None:
    """Slack asks the one rule (models.permissions): no group but hr grants others' flex."""
    bob = await make_person("Bob", "Builder", "U0BOB")
    await full_month_history(bob, running_bot.settings)
    boss = await make_person("Boss", "Admin", "U0BOSS")
    for group in ("admin", "finance", "devs"):
        await add_member(group, boss, actor="test", create_group=True)
    reply = await ask(running_bot, "U0BOSS", "<@U0BOB>")
    assert reply["text"].startswith("Sorry, only HR can see someone else's flex saldo")
    await add_member("hr", boss, actor="test")
    reply = await ask(running_bot, "U0BOSS", "<@U0BOB>")
    assert reply["text"] == "Flex saldo for Bob Builder is +3.25h"


async def test_garbage_text(running_bot: BotUnderTest) -> None:
    await make_person("Jane", "Doe", "U0JANE")
    reply = await ask(running_bot, "U0JANE", "saldo please!!")
    assert reply["text"].startswith("I didn't understand `saldo please!!`")
    assert await HourEntry.all().count() == 0


async def test_a_slow_answer_is_acked_first_and_sent_by_response_url(
    running_bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    import handlers.flex.command

    jane = await make_person("Jane", "Doe", "U0JANE")
    await full_month_history(jane, running_bot.settings)
    monkeypatch.setattr(handlers.flex.command, "ACK_DEADLINE", 0)
    emulator = running_bot.emulator
    seen = len(emulator.calls)
    reply = await ask(running_bot, "U0JANE")
    assert reply["text"] == "Computing the flex saldo…"
    call = await emulator.wait_for_call("response_url", after=seen)
    assert call.args["text"] == "Flex saldo for Jane Doe is +3.25h"
    assert call.args["response_type"] == "ephemeral"
