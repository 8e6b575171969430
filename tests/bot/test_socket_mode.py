"""Envelopes over the emulator's real Socket Mode websocket: each is handled under its
``request_id``, and slash commands are counted with their duration on /metrics.

Then the faults: Slack's ``disconnect`` messages, a websocket dropped without one, and what
Slack does with an envelope whose ack never came back. What must hold (docs/slack-surface.md,
Slack's Socket Mode and Events API docs): the bot is connected again on its own, with a fresh
URL; no envelope is acked twice; an event whose ack was lost is sent again by Slack
(``retry_attempt``, ``retry_reason``) and handled once; a slash command or a click is never
sent again, so its answer must not be lost with the ack.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from typing import Any

import pytest
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.emulators.slack import SlackEmulator
from bot.lifespan import RunningBot
from core.observability.logs import log_handler
from handlers.flex.command import NOT_SET_UP
from tests.conftest import BotUnderTest
from tests.support.metrics import metered_bot, sample, scrape, value

COMMANDS = "financebot_slack_commands_total"
DURATIONS = "financebot_slack_command_duration_seconds_count"
CALLS = "financebot_slack_api_calls_total"


async def envelopes_done(bot: RunningBot) -> None:
    """Waits until every envelope being handled has finished (metrics are counted last)."""
    pending = set(bot.socket_mode.in_flight)
    if pending:
        await asyncio.wait(pending, timeout=5)


async def test_a_slash_command_is_counted_with_its_duration(
    db: str, slack_emulator: SlackEmulator
) -> None:
    async with metered_bot(slack_emulator, db) as bot:
        _, _, _, before = await scrape(bot.web_url)
        ack = await slack_emulator.send_slash_command("/flex-hours", user_id="U0ADA")
        assert ack.payload is not None and ack.payload["text"] == NOT_SET_UP
        await envelopes_done(bot)
        status, _, _, after = await scrape(bot.web_url)
    assert status == 200
    for name in (COMMANDS, DURATIONS):
        assert (
            value(after, name, command="/flex-hours")
            == value(before, name, command="/flex-hours") + 1
        ), name
    assert value(after, "financebot_slack_command_duration_seconds_sum", command="/flex-hours") > 0


async def test_the_bots_web_api_calls_are_counted_by_method(
    db: str, slack_emulator: SlackEmulator
) -> None:
    methods = ("auth.test", "apps.connections.open", "chat.postMessage", "views.publish")
    before = {method: sample(CALLS, method=method) for method in methods}
    async with metered_bot(slack_emulator, db) as bot:
        await bot.app.client.chat_postMessage(channel="C0GENERAL", text="hi")
        # A listener calls through the client Bolt builds for its request.
        await slack_emulator.send_event({"type": "app_home_opened", "user": "U0ADA", "tab": "home"})
        await envelopes_done(bot)
        _, _, _, samples = await scrape(bot.web_url)
    counted = {method: value(samples, CALLS, method=method) - before[method] for method in methods}
    made = {method: len(slack_emulator.calls_to(method)) for method in methods}
    # The start-up checks (auth.test, apps.connections.open), the Socket Mode connection's own
    # apps.connections.open, the post and the Home tab: each as often as Slack saw it, but for
    # the auth.test Bolt makes through its own client on the first request.
    assert counted == {**made, "auth.test": made["auth.test"] - 1}
    assert made["apps.connections.open"] == 2 and made["chat.postMessage"] == 1
    assert made["views.publish"] == 1


async def test_log_lines_while_an_envelope_is_handled_carry_its_envelope_id(
    running_bot: BotUnderTest,
) -> None:
    buffer = io.StringIO()
    logger = logging.getLogger("tests.socket_mode")
    handler = log_handler(buffer, json=True)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    finished = asyncio.Event()

    async def answer_then_work(ack: AsyncAck) -> None:
        logger.info("before the ack")
        await ack(text="on it")

        async def later() -> None:
            logger.info("in a task the listener started")
            finished.set()

        asyncio.get_running_loop().create_task(later())

    try:
        running_bot.app.command("/work")(answer_then_work)
        first = await running_bot.emulator.send_slash_command("/work")
        await asyncio.wait_for(finished.wait(), 5)
        finished.clear()
        second = await running_bot.emulator.send_slash_command("/work")
        await asyncio.wait_for(finished.wait(), 5)
        logger.info("between envelopes")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert first.envelope_id != second.envelope_id
    assert [(line["message"], line.get("request_id")) for line in lines] == [
        ("before the ack", first.envelope_id),
        ("in a task the listener started", first.envelope_id),
        ("before the ack", second.envelope_id),
        ("in a task the listener started", second.envelope_id),
        ("between envelopes", None),
    ]


# ---------------------------------------------------------------------- faults

RECONNECTED_WITHIN = 30.0  # seconds; slack_sdk notices a dead session within its ping interval


def acked_once(emulator: SlackEmulator) -> None:
    """Every envelope the emulator sent got at most one ack."""
    counts = emulator.acks_per_envelope()
    assert set(counts) <= set(emulator.envelopes_sent)
    assert all(n == 1 for n in counts.values()), counts


async def connected_again(emulator: SlackEmulator, opened: int) -> None:
    await emulator.wait_for_connections_opened(opened + 1, timeout=RECONNECTED_WITHIN)
    assert emulator.connection_count == 1  # the old one is gone, no second one left open


@pytest.mark.parametrize("reason", ["warning", "refresh_requested"])
async def test_a_disconnect_message_is_followed_by_a_fresh_connection(
    running_bot: BotUnderTest, reason: str
) -> None:
    emulator = running_bot.emulator
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(ack: AsyncAck) -> None:
        started.set()
        await release.wait()
        await ack(text="done")

    running_bot.app.command("/slow")(slow)
    opened = emulator.connections_opened
    tickets = len(emulator.calls_to("apps.connections.open"))
    in_flight = asyncio.create_task(emulator.send_slash_command("/slow", timeout=10))
    await asyncio.wait_for(started.wait(), 3)  # being handled when the disconnect comes
    await emulator.send_disconnect(reason)
    await connected_again(emulator, opened)
    assert len(emulator.calls_to("apps.connections.open")) == tickets + 1  # a new ticket
    release.set()
    assert (await in_flight).payload == {"text": "done"}  # acked, once, after the switch
    ack = await emulator.send_slash_command("/flex-hours")
    assert ack.payload is not None and ack.payload["text"] == NOT_SET_UP
    acked_once(emulator)


@pytest.mark.parametrize("abort", [True, False], ids=["connection cut", "websocket closed"])
async def test_a_dropped_websocket_is_reconnected(running_bot: BotUnderTest, abort: bool) -> None:
    emulator = running_bot.emulator
    opened = emulator.connections_opened
    assert await emulator.drop_connections(abort=abort) == 1
    await connected_again(emulator, opened)
    ack = await emulator.send_slash_command("/flex-hours")
    assert ack.payload is not None and ack.payload["text"] == NOT_SET_UP
    acked_once(emulator)


async def test_an_event_whose_ack_was_lost_is_sent_again_by_slack_and_handled_once(
    running_bot: BotUnderTest,
) -> None:
    emulator = running_bot.emulator
    handled: list[dict[str, Any]] = []
    done = asyncio.Event()

    async def joined(event: dict[str, Any]) -> None:
        handled.append(event)
        done.set()

    running_bot.app.event("member_joined_channel")(joined)
    opened = emulator.connections_opened
    delivery = await emulator.deliver_event(
        {"type": "member_joined_channel", "user": "U0ADA", "channel": "C0GENERAL"},
        retry_delays=(0.5, 1.0, 5.0),
        drop_first=True,  # the connection goes down the moment the envelope is out
    )
    assert delivery.ack is not None, "Slack's retry reached the bot once it was connected again"
    assert emulator.connections_opened > opened
    assert len(delivery.envelopes) >= 2 and delivery.ack.envelope_id == delivery.envelopes[-1]
    await asyncio.wait_for(done.wait(), 3)  # events are acked first, then handled
    # Handled once: the first envelope's ack could not be sent, so it was not handled (had it
    # been, it would have been before the retry arrived).
    assert len(handled) == 1
    acked_once(emulator)


async def test_a_commands_answer_goes_by_response_url_when_its_ack_cannot(
    running_bot: BotUnderTest,
) -> None:
    """Slack does not send a command again: an answer that cannot travel in the ack (the
    connection went down meanwhile) goes to the command's ``response_url`` instead."""
    emulator = running_bot.emulator
    opened = emulator.connections_opened
    await emulator.send_envelope_and_drop(
        "slash_commands", emulator.slash_command_payload("/flex-hours", user_id="U0ADA")
    )
    reply = await emulator.wait_for_call("response_url", timeout=RECONNECTED_WITHIN)
    assert reply.args["text"] == NOT_SET_UP
    assert reply.args.get("response_type") == "ephemeral"
    await connected_again(emulator, opened)
    assert not emulator.acks  # the ack never arrived: nothing was acked twice either
