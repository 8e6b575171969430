"""The Slack emulator refuses what real Slack refuses: each limit just inside, then just over."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulators.slack import SlackEmulator

Json = dict[str, Any]
FRESH_TRIGGER = "<a trigger_id the emulator just issued>"


def section(text: str = "x", **extra: Any) -> Json:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(text: str = "Go", *, url: str | None = None, action_id: str = "go") -> Json:
    element: Json = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
    }
    if url is not None:
        element["url"] = url
    return element


def actions(*elements: Json) -> Json:
    return {"type": "actions", "elements": list(elements)}


def checkboxes(n: int) -> Json:
    options = [{"text": {"type": "plain_text", "text": f"o{i}"}, "value": str(i)} for i in range(n)]
    return {"type": "checkboxes", "action_id": "pick", "options": options}


def modal(blocks: list[Json], *, title: str = "Flex", private_metadata: str = "") -> Json:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "private_metadata": private_metadata,
        "blocks": blocks,
    }


def post(blocks: list[Json]) -> tuple[str, Json]:
    return "chat.postMessage", {"channel": "C1", "text": "t", "blocks": blocks}


def publish(view: Json) -> tuple[str, Json]:
    return "views.publish", {"user_id": "U1", "view": {**view, "type": "home"}}


def fields_section(n: int, length: int = 1) -> Json:
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * length}] * n}


@dataclass
class Limit:
    name: str
    call: Callable[[int], tuple[str, Json]]  # the size at the limit → (method, args)
    limit: int
    error: str  # what Slack answers one over the limit


LIMITS = [
    Limit("message blocks", lambda n: post([section()] * n), 50, "invalid_blocks"),
    Limit("section text", lambda n: post([section("s" * n)]), 3000, "invalid_blocks"),
    Limit("section fields", lambda n: post([fields_section(n)]), 10, "invalid_blocks"),
    Limit("field text", lambda n: post([fields_section(1, n)]), 2000, "invalid_blocks"),
    Limit(
        "context text",
        lambda n: post([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c" * n}]}]),
        3000,
        "invalid_blocks",
    ),
    Limit(
        "header text",
        lambda n: post([{"type": "header", "text": {"type": "plain_text", "text": "h" * n}}]),
        150,
        "invalid_blocks",
    ),
    Limit(
        "actions elements",
        lambda n: post([actions(*[button(action_id=f"b{i}") for i in range(n)])]),
        25,
        "invalid_blocks",
    ),
    Limit("button text", lambda n: post([actions(button("b" * n))]), 75, "invalid_blocks"),
    Limit(
        "button url",
        lambda n: post([actions(button(url="https://x.test/" + "u" * (n - 15)))]),
        3000,
        "invalid_blocks",
    ),
    Limit(
        "action_id",
        lambda n: post([section("s", accessory=button(action_id="a" * n))]),
        255,
        "invalid_blocks",
    ),
    Limit(
        "checkbox options",
        lambda n: publish(modal([actions(checkboxes(n))])),
        10,
        "invalid_arguments",
    ),
    Limit("view blocks", lambda n: publish(modal([section()] * n)), 100, "invalid_arguments"),
    Limit("view title", lambda n: publish(modal([], title="t" * n)), 24, "invalid_arguments"),
    Limit(
        "private_metadata",
        lambda n: publish(modal([], private_metadata="m" * n)),
        3000,
        "invalid_arguments",
    ),
    Limit(
        "unfurl blocks",
        lambda n: (
            "chat.unfurl",
            {
                "channel": "C1",
                "ts": "1.2",
                "unfurls": {"https://x.test/": {"blocks": [section()] * n}},
            },
        ),
        50,
        "invalid_blocks",
    ),
    Limit(
        "chat.update blocks",
        lambda n: ("chat.update", {"channel": "C1", "ts": "1.2", "blocks": [section()] * n}),
        50,
        "invalid_blocks",
    ),
    Limit(
        "chat.postEphemeral blocks",
        lambda n: (
            "chat.postEphemeral",
            {"channel": "C1", "user": "U1", "blocks": [section()] * n},
        ),
        50,
        "invalid_blocks",
    ),
    Limit(
        "views.open blocks",
        lambda n: ("views.open", {"trigger_id": FRESH_TRIGGER, "view": modal([section()] * n)}),
        100,
        "invalid_arguments",
    ),
]


async def _call(emulator: SlackEmulator, method: str, args: Json) -> Json:
    if args.get("trigger_id") == FRESH_TRIGGER:  # a trigger_id is single-use: one per call
        args = {**args, "trigger_id": emulator.trigger_id()}
    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url)
    try:
        return dict((await client.api_call(method, json=args)).data)  # type: ignore[arg-type]
    except SlackApiError as exc:
        return dict(exc.response.data)  # type: ignore[arg-type]


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: limit.name)
async def test_just_inside_passes_and_just_over_fails(
    slack_emulator: SlackEmulator, limit: Limit
) -> None:
    slack_emulator.messages[("C1", "1.2")] = {"text": "", "blocks": []}  # for chat.update
    inside = await _call(slack_emulator, *limit.call(limit.limit))
    assert inside["ok"] is True, inside
    assert slack_emulator.violations == []
    over = await _call(slack_emulator, *limit.call(limit.limit + 1))
    assert over["ok"] is False and over["error"] == limit.error, over
    if limit.error == "invalid_blocks":
        assert over["errors"] and all("json-pointer:/" in e for e in over["errors"])
    else:
        messages = over["response_metadata"]["messages"]
        assert messages and all(m.startswith("[ERROR] ") for m in messages)
    assert len(slack_emulator.violations) >= 1
    assert all(v.startswith(limit.call(0)[0] + ": ") for v in slack_emulator.violations)


@pytest.mark.parametrize(
    ("method", "args"),
    [
        post([section(block_id="b1"), section(block_id="b2")]),
        publish(modal([section(block_id="b1"), section(block_id="b2")])),
    ],
)
async def test_block_ids_must_be_unique(
    slack_emulator: SlackEmulator, method: str, args: Json
) -> None:
    assert (await _call(slack_emulator, method, args))["ok"] is True
    blocks = args["view"]["blocks"] if "view" in args else args["blocks"]
    blocks[1]["block_id"] = "b1"
    over = await _call(slack_emulator, method, args)
    assert over["ok"] is False
    assert "duplicate block_id 'b1'" in json.dumps(over)


async def test_view_size_limit(slack_emulator: SlackEmulator) -> None:
    # The size check alone: long block texts would break the section limit first, so the view
    # is padded through external_id, which the emulator does not bound otherwise.
    def view_of(size: int) -> Json:
        view = modal([section("x")], title="Home")
        view["type"] = "home"
        view["external_id"] = ""
        base = len(json.dumps(view, separators=(",", ":")).encode())
        view["external_id"] = "e" * (size - base)
        return view

    assert len(json.dumps(view_of(250_000), separators=(",", ":")).encode()) == 250_000
    inside = await _call(slack_emulator, *publish(view_of(250_000)))
    assert inside["ok"] is True, inside
    over = await _call(slack_emulator, *publish(view_of(250_001)))
    assert over["ok"] is False and over["error"] == "invalid_arguments"
    assert any("bytes" in m for m in over["response_metadata"]["messages"])


@pytest.mark.parametrize(
    ("method", "args", "missing"),
    [
        ("chat.postEphemeral", {"channel": "C1", "text": "t"}, "user"),
        ("chat.postEphemeral", {"user": "U1", "text": "t"}, "channel"),
        ("views.publish", {"view": modal([])}, "user_id"),
        ("views.publish", {"user_id": "U1"}, "view"),
        ("views.open", {"view": modal([])}, "trigger_id"),
        ("views.open", {"trigger_id": "1.2.t"}, "view"),
        ("views.update", {"view": modal([])}, "view_id or external_id"),
        ("chat.unfurl", {"channel": "C1", "ts": "1.2"}, "unfurls"),
        (
            "chat.unfurl",
            {"channel": "C1", "unfurls": {"u": {"blocks": []}}},
            "ts or unfurl_id+source",
        ),
        (
            "chat.unfurl",
            {"ts": "1.2", "unfurls": {"u": {"blocks": []}}},
            "channel or unfurl_id+source",
        ),
        (
            "chat.unfurl",
            {"ts": "1.2", "unfurl_id": "X", "unfurls": {"u": {}}},
            "channel or unfurl_id+source",
        ),
    ],
)
async def test_missing_required_arguments_are_refused(
    slack_emulator: SlackEmulator, method: str, args: Json, missing: str
) -> None:
    answer = await _call(slack_emulator, method, args)
    assert answer["ok"] is False and answer["error"] == "invalid_arguments"
    assert answer["response_metadata"]["messages"] == [f"[ERROR] missing required field: {missing}"]
    assert slack_emulator.violations


async def test_composer_links_unfurl_by_unfurl_id_and_source(slack_emulator: SlackEmulator) -> None:
    unfurls = {"https://x.test/": {"blocks": [section()]}}
    args = {"unfurl_id": "U1", "source": "composer", "unfurls": unfurls}
    assert (await _call(slack_emulator, "chat.unfurl", args))["ok"] is True
    assert slack_emulator.violations == []


async def test_post_message_without_channel_is_channel_not_found(
    slack_emulator: SlackEmulator,
) -> None:
    answer = await _call(slack_emulator, "chat.postMessage", {"text": "t"})
    assert answer == {"ok": False, "error": "channel_not_found"}
    assert slack_emulator.violations == ["chat.postMessage: channel_not_found: -"]


async def _ack_slash_command_with(emulator: SlackEmulator, payload: Json) -> None:
    """Connects a bare Socket Mode client that acks the next command with ``payload``."""
    client = AsyncWebClient(base_url=emulator.api_url)
    url = (await client.apps_connections_open(app_token=emulator.app_token))["url"]
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.receive()  # hello
        await emulator.wait_for_connections(1)

        async def answer() -> None:
            envelope = json.loads((await ws.receive()).data)
            await ws.send_str(
                json.dumps({"envelope_id": envelope["envelope_id"], "payload": payload})
            )

        task = asyncio.create_task(answer())
        await emulator.send_slash_command("/flex-hours")
        await task


async def test_slash_command_ack_within_limits_is_no_violation(
    slack_emulator: SlackEmulator,
) -> None:
    await _ack_slash_command_with(slack_emulator, {"text": "t", "blocks": [section()] * 50})
    assert slack_emulator.violations == []


async def test_slash_command_ack_over_limits_is_a_violation(slack_emulator: SlackEmulator) -> None:
    await _ack_slash_command_with(slack_emulator, {"text": "t", "blocks": [section()] * 51})
    assert slack_emulator.violations == ["ack: must be less than 51 items [json-pointer:/blocks]"]


async def test_response_url_over_limits_is_refused(slack_emulator: SlackEmulator) -> None:
    async with aiohttp.ClientSession() as session:
        body = {"text": "t", "blocks": [section("s" * 3001)]}
        async with session.post(slack_emulator.response_url(), json=body) as response:
            assert response.status == 400
        body = {"text": "t", "blocks": [section("s" * 3000)]}
        async with session.post(slack_emulator.response_url(), json=body) as response:
            assert response.status == 200
    assert slack_emulator.violations == [
        "response_url: invalid_blocks: must be less than 3001 characters "
        "[json-pointer:/blocks/0/text/text]"
    ]
