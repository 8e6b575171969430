"""Sharing links in the Slack emulator and reading the unfurls the bot answers with."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import BotUnderTest

MESSAGE_TS = "1700000000.000200"


async def share(
    bot: BotUnderTest,
    user_id: str,
    *urls: str,
    source: str = "conversations_history",
    channel: str = "C0GENERAL",
    ext_shared_channel: bool = False,
) -> dict[str, Any]:
    """Sends link_shared for ``urls`` and returns the chat.unfurl call's arguments."""
    emulator = bot.emulator
    seen = len(emulator.calls)
    ack = await emulator.send_event(
        {
            "type": "link_shared",
            "channel": channel,
            "user": user_id,
            "message_ts": MESSAGE_TS,
            "unfurl_id": "UNFURL-1",
            "source": source,
            "links": [{"domain": "127.0.0.1", "url": url} for url in urls],
        },
        ext_shared_channel=ext_shared_channel,
    )
    assert ack.payload is None
    call = await emulator.wait_for_call("chat.unfurl", after=seen)
    args = dict(call.args)
    if isinstance(args.get("unfurls"), str):
        args["unfurls"] = json.loads(args["unfurls"])
    return args


async def unfurl_of(bot: BotUnderTest, user_id: str, url: str, **where: Any) -> str:
    """The text of ``url``'s unfurl shared by ``user_id`` (see :func:`share`)."""
    return texts_of((await share(bot, user_id, url, **where))["unfurls"][url])


def texts_of(payload: Any) -> str:
    """Every text in a Block Kit payload, one per line, as Slack shows them (not JSON-quoted)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload)
    return "\n".join(found)
