"""Envelopes over the emulator's real Socket Mode websocket: each is handled under its
``request_id``."""

from __future__ import annotations

import asyncio
import io
import json
import logging

from slack_bolt.context.ack.async_ack import AsyncAck

from core.observability.logs import log_handler
from tests.conftest import BotUnderTest


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
