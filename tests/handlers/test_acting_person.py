"""The acting-person middleware: every listener gets ``person`` without looking it up."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from slack_bolt.context.ack.async_ack import AsyncAck

from handlers.acting_person import acting_slack_id
from models import Person
from tests.conftest import BotUnderTest
from tests.support.flex_people import make_person


def described(person: Person | None) -> str:
    if person is None:
        return "nobody"
    return person.full_name + (" (archived)" if person.archived else "")


@pytest.fixture
def whoami(running_bot: BotUnderTest) -> BotUnderTest:
    """The running bot with ``/whoami``, which answers with the ``person`` it was given."""

    async def answer(ack: AsyncAck, person: Person | None) -> None:
        await ack(text=described(person))

    running_bot.app.command("/whoami")(answer)
    return running_bot


async def ask(bot: BotUnderTest, user_id: str) -> str:
    ack = await bot.emulator.send_slash_command("/whoami", user_id=user_id)
    assert ack.payload is not None
    return str(ack.payload["text"])


async def test_a_known_user_is_their_person(whoami: BotUnderTest) -> None:
    await make_person("Jane", "Doe", "U0JANE")
    await make_person("Bob", "Builder", "U0BOB")
    assert await ask(whoami, "U0JANE") == "Jane Doe"
    assert await ask(whoami, "U0BOB") == "Bob Builder"


async def test_an_unknown_user_is_nobody(whoami: BotUnderTest) -> None:
    await make_person("Jane", "Doe", "U0JANE")
    await make_person("Nora", "Nolink", None)
    assert await ask(whoami, "U0STRANGER") == "nobody"


async def test_an_archived_person_is_given_and_a_rehire_wins(whoami: BotUnderTest) -> None:
    await make_person("Olga", "Old", "U0OLGA", archived=True)
    assert await ask(whoami, "U0OLGA") == "Olga Old (archived)"
    await make_person("Olga", "Again", "U0OLGA")
    assert await ask(whoami, "U0OLGA") == "Olga Again"


async def test_clicks_submissions_and_events_get_the_person_too(
    running_bot: BotUnderTest,
) -> None:
    await make_person("Jane", "Doe", "U0JANE")
    seen: dict[str, asyncio.Future[str]] = {
        kind: asyncio.get_running_loop().create_future() for kind in ("click", "submit", "event")
    }

    def recorder(kind: str) -> Any:
        async def record(ack: AsyncAck, person: Person | None) -> None:
            await ack()
            seen[kind].set_result(described(person))

        return record

    app, emulator = running_bot.app, running_bot.emulator
    app.action("test_whoami")(recorder("click"))
    app.view("test_whoami")(recorder("submit"))
    app.event("member_joined_channel")(recorder("event"))
    await emulator.send_block_action("test_whoami", user_id="U0JANE")
    await emulator.send_view_submission("test_whoami", user_id="U0STRANGER")
    await emulator.send_event(
        {"type": "member_joined_channel", "user": "U0JANE", "channel": "C0GENERAL"}
    )
    done = {kind: await asyncio.wait_for(future, 3) for kind, future in seen.items()}
    assert done == {"click": "Jane Doe", "submit": "nobody", "event": "Jane Doe"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"command": "/flex-hours", "user_id": "U1", "user_name": "u1"}, "U1"),
        ({"type": "block_actions", "user": {"id": "U2", "name": "u2"}, "actions": []}, "U2"),
        ({"type": "view_submission", "user": {"id": "U3"}, "view": {}}, "U3"),
        ({"type": "event_callback", "event": {"type": "link_shared", "user": "U4"}}, "U4"),
        # team_join and user_change carry the whole user object.
        ({"type": "event_callback", "event": {"type": "team_join", "user": {"id": "U5"}}}, "U5"),
        ({"type": "event_callback", "event": {"type": "channel_created"}}, ""),
        ({"type": "event_callback", "event": None}, ""),
        ({"type": "block_actions", "user": None}, ""),
        ({}, ""),
    ],
)
def test_acting_slack_id(body: dict[str, Any], expected: str) -> None:
    assert acting_slack_id(body) == expected
