"""The Slack emulator itself: Socket Mode handshake, several connections, Web API shapes."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulators.slack import SlackEmulator


async def _ack_everything(ws: aiohttp.ClientWebSocketResponse, name: str, seen: list[str]) -> None:
    async for message in ws:
        envelope = json.loads(message.data)
        if "envelope_id" in envelope:
            seen.append(name)
            await ws.send_str(
                json.dumps({"envelope_id": envelope["envelope_id"], "payload": {"by": name}})
            )


async def test_several_connections_share_the_envelopes(slack_emulator: SlackEmulator) -> None:
    client = AsyncWebClient(base_url=slack_emulator.api_url)
    seen: list[str] = []
    async with aiohttp.ClientSession() as session:
        hellos = []
        tasks = []
        for name in ("a", "b"):
            url = (await client.apps_connections_open(app_token=slack_emulator.app_token))["url"]
            ws = await session.ws_connect(url)
            hellos.append(json.loads((await ws.receive()).data))
            tasks.append(asyncio.create_task(_ack_everything(ws, name, seen)))
        assert [h["type"] for h in hellos] == ["hello", "hello"]
        assert [h["num_connections"] for h in hellos] == [1, 2]
        acks = [await slack_emulator.send_slash_command("/x") for _ in range(20)]
        assert {a.payload["by"] for a in acks if a.payload} == {"a", "b"}
        assert sorted(set(seen)) == ["a", "b"]
        for task in tasks:
            task.cancel()


async def test_web_api_accepts_form_and_json_and_checks_tokens(
    slack_emulator: SlackEmulator,
) -> None:
    client = AsyncWebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    await client.chat_postMessage(channel="C1", text="hi", blocks=blocks)  # JSON body
    form = {"channel": "C1", "user": "U1", "text": "hi", "blocks": json.dumps(blocks)}
    await client.api_call("chat.postEphemeral", data=form)  # form-encoded, blocks as JSON text
    assert [c.args["blocks"] for c in slack_emulator.calls[-2:]] == [blocks, blocks]
    dm = await client.conversations_open(users="U1")
    group = await client.conversations_open(users=["U1", "U2", "U3"])
    assert dm["channel"]["id"].startswith("D") and group["channel"]["id"].startswith("G")
    refused = AsyncWebClient(token="xoxb-wrong", base_url=slack_emulator.api_url)
    try:
        await refused.auth_test()
    except SlackApiError as exc:
        assert exc.response["error"] == "invalid_auth"
    else:
        raise AssertionError("a wrong token was accepted")
