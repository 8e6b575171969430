"""Envelopes over the emulator's real Socket Mode websocket: each is handled under its
``request_id``, and slash commands are counted with their duration on /metrics."""

from __future__ import annotations

import asyncio
import io
import json
import logging

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
