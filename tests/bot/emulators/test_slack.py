"""The Slack emulator itself: Socket Mode handshake, several connections, Web API shapes,
and trigger ids that are single-use and good for 3 s, as on Slack."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulators.slack import SlackEmulator
from bot.socket_mode import ImmediateAckSocketModeHandler


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


async def test_an_envelope_can_be_delivered_to_a_chosen_connection(
    slack_emulator: SlackEmulator,
) -> None:
    client = AsyncWebClient(base_url=slack_emulator.api_url)
    seen: list[str] = []
    async with aiohttp.ClientSession() as session:
        tasks = []
        for name in ("a", "b", "c"):
            url = (await client.apps_connections_open(app_token=slack_emulator.app_token))["url"]
            ws = await session.ws_connect(url)
            await ws.receive()  # hello
            tasks.append(asyncio.create_task(_ack_everything(ws, name, seen)))
        assert slack_emulator.connection_numbers == [1, 2, 3]
        spread = [await slack_emulator.send_slash_command("/x") for _ in range(30)]
        assert {a.connection for a in spread} == {1, 2, 3}
        assert all(a.payload == {"by": "abc"[a.connection - 1]} for a in spread)
        with slack_emulator.delivering_to(2):
            chosen = [await slack_emulator.send_slash_command("/x") for _ in range(5)]
            clicked = await slack_emulator.send_block_action("go")
            events = [await slack_emulator.deliver_event({"type": "app_mention"}) for _ in range(5)]
        acks = [*chosen, clicked, *(delivery.ack for delivery in events)]
        assert {a.connection if a else None for a in acks} == {2}
        assert {(a.payload or {}).get("by") if a else None for a in acks} == {"b"}
        with slack_emulator.delivering_to(3):
            await slack_emulator.send_envelope_and_drop("slash_commands", {"command": "/x"})
        assert slack_emulator.connection_numbers == [1, 2]
        with pytest.raises(LookupError, match="no open Socket Mode connection 7"):
            with slack_emulator.delivering_to(7):
                await slack_emulator.send_slash_command("/x")
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


# ---------------------------------------------------------------------- trigger ids


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def clocked_emulator() -> AsyncIterator[tuple[SlackEmulator, FakeClock]]:
    clock = FakeClock()
    emulator = SlackEmulator(clock=clock)
    await emulator.start()
    try:
        yield emulator, clock
    finally:
        await emulator.stop()


MODAL = {
    "type": "modal",
    "callback_id": "approve",
    "title": {"type": "plain_text", "text": "Approve"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Invoice 7"}}],
}


async def _views(emulator: SlackEmulator, method: str, **args: Any) -> dict[str, Any]:
    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url)
    try:
        return dict((await client.api_call(method, json=args)).data)  # type: ignore[arg-type]
    except SlackApiError as exc:
        return dict(exc.response.data)  # type: ignore[arg-type]


async def test_a_fresh_trigger_opens_one_modal_and_is_then_exchanged(
    clocked_emulator: tuple[SlackEmulator, FakeClock],
) -> None:
    emulator, _ = clocked_emulator
    trigger = emulator.trigger_id()
    opened = await _views(emulator, "views.open", trigger_id=trigger, view=MODAL)
    assert opened["ok"] is True, opened
    view = opened["view"]
    assert view["id"].startswith("V") and view["hash"] and view["root_view_id"] == view["id"]
    assert view["callback_id"] == "approve" and view["blocks"] == MODAL["blocks"]
    assert view["state"] == {"values": {}} and view["previous_view_id"] is None
    again = await _views(emulator, "views.open", trigger_id=trigger, view=MODAL)
    assert again == {"ok": False, "error": "exchanged_trigger_id"}
    assert emulator.violations == [f"views.open: exchanged_trigger_id: {trigger}"]


async def test_a_trigger_older_than_three_seconds_is_expired(
    clocked_emulator: tuple[SlackEmulator, FakeClock],
) -> None:
    emulator, clock = clocked_emulator
    on_time, late = emulator.trigger_id(), emulator.trigger_id()
    clock.advance(3.0)
    assert (await _views(emulator, "views.open", trigger_id=on_time, view=MODAL))["ok"] is True
    clock.advance(0.01)
    answer = await _views(emulator, "views.open", trigger_id=late, view=MODAL)
    assert answer == {"ok": False, "error": "expired_trigger_id"}


async def test_a_trigger_never_issued_is_invalid(slack_emulator: SlackEmulator) -> None:
    for method in ("views.open", "views.push"):
        answer = await _views(slack_emulator, method, trigger_id="12345.98765.abcd", view=MODAL)
        assert answer == {"ok": False, "error": "invalid_trigger_id"}
    assert len(slack_emulator.violations) == 2


async def test_the_lifetime_is_a_constructor_setting() -> None:
    clock = FakeClock()
    async with SlackEmulator(trigger_lifetime=10.0, clock=clock) as emulator:
        trigger = emulator.trigger_id()
        clock.advance(9.0)
        assert (await _views(emulator, "views.open", trigger_id=trigger, view=MODAL))["ok"]


async def test_a_refused_view_does_not_use_up_its_trigger(slack_emulator: SlackEmulator) -> None:
    trigger = slack_emulator.trigger_id()
    too_long = {**MODAL, "title": {"type": "plain_text", "text": "t" * 25}}
    refused = await _views(slack_emulator, "views.open", trigger_id=trigger, view=too_long)
    assert refused["error"] == "invalid_arguments"
    assert (await _views(slack_emulator, "views.open", trigger_id=trigger, view=MODAL))["ok"]


async def test_views_push_stacks_on_the_modal_the_click_came_from(
    slack_emulator: SlackEmulator,
) -> None:
    emulator = slack_emulator
    opened = await _views(emulator, "views.open", trigger_id=emulator.trigger_id(), view=MODAL)
    root = previous = opened["view"]
    for _ in range(2):  # a click in the top view gives the trigger that pushes the next one
        trigger = emulator.trigger_id(view_id=previous["id"])
        pushed = await _views(emulator, "views.push", trigger_id=trigger, view=MODAL)
        assert pushed["ok"] is True, pushed
        assert pushed["view"]["root_view_id"] == root["id"]
        assert pushed["view"]["previous_view_id"] == previous["id"]
        previous = pushed["view"]
    trigger = emulator.trigger_id(view_id=previous["id"])
    answer = await _views(emulator, "views.push", trigger_id=trigger, view=MODAL)
    assert answer == {"ok": False, "error": "push_limit_reached"}


async def test_views_update_replaces_a_view_and_checks_its_hash(
    slack_emulator: SlackEmulator,
) -> None:
    trigger = slack_emulator.trigger_id()
    opened = (await _views(slack_emulator, "views.open", trigger_id=trigger, view=MODAL))["view"]
    changed = {**MODAL, "blocks": []}
    stale = await _views(
        slack_emulator, "views.update", view_id=opened["id"], hash="1.stale", view=changed
    )
    assert stale == {"ok": False, "error": "hash_conflict"}
    updated = await _views(
        slack_emulator, "views.update", view_id=opened["id"], hash=opened["hash"], view=changed
    )
    assert updated["ok"] is True and updated["view"]["id"] == opened["id"]
    assert updated["view"]["blocks"] == [] and updated["view"]["hash"] != opened["hash"]
    unknown = await _views(slack_emulator, "views.update", view_id="VNOPE", view=changed)
    assert unknown == {"ok": False, "error": "not_found"}


async def test_a_bolt_listener_that_opens_its_modal_late_is_refused(
    clocked_emulator: tuple[SlackEmulator, FakeClock],
) -> None:
    """The real Bolt app over Socket Mode: a modal opened at once opens; after 3.5 s of work
    (the fake clock moved by the listener) Slack refuses the trigger and says so."""
    emulator, clock = clocked_emulator
    app = AsyncApp(
        client=AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url),
        process_before_response=True,
        request_verification_enabled=False,
    )
    outcomes: asyncio.Queue[str] = asyncio.Queue()

    async def open_modal(client: AsyncWebClient, trigger_id: str) -> None:
        try:
            await client.views_open(trigger_id=trigger_id, view=MODAL)
            outcomes.put_nowait("opened")
        except SlackApiError as exc:
            outcomes.put_nowait(str(exc.response["error"]))

    @app.command("/approve")
    async def approve(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        if command["text"] == "after slow work":
            clock.advance(3.5)  # stands for 3.5 s spent between the ack and the modal
        await open_modal(client, command["trigger_id"])

    @app.shortcut("approve_invoice")
    async def shortcut(ack: AsyncAck, shortcut: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await open_modal(client, shortcut["trigger_id"])

    handler = ImmediateAckSocketModeHandler(app, emulator.app_token)
    await handler.connect_async()
    try:
        await emulator.send_slash_command("/approve")
        assert await asyncio.wait_for(outcomes.get(), 5) == "opened"
        await emulator.send_shortcut("approve_invoice")
        assert await asyncio.wait_for(outcomes.get(), 5) == "opened"
        assert emulator.violations == []
        await emulator.send_slash_command("/approve", "after slow work")
        assert await asyncio.wait_for(outcomes.get(), 5) == "expired_trigger_id"
        assert [v.split(": ")[:2] for v in emulator.violations] == [
            ["views.open", "expired_trigger_id"]
        ]
        assert len(emulator.calls_to("views.open")) == 3
    finally:
        await handler.close_async()


# ---------------------------------------------------------------------- messages and submissions


async def test_only_a_posted_message_can_be_updated(slack_emulator: SlackEmulator) -> None:
    client = AsyncWebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    dm = (await client.conversations_open(users="U1"))["channel"]["id"]
    posted = await client.chat_postMessage(channel=dm, text="Waiting for approval")
    await client.chat_update(channel=dm, ts=posted["ts"], text="Approved", blocks=[])
    assert slack_emulator.messages[(dm, posted["ts"])]["text"] == "Approved"
    for channel, ts in (("U1", posted["ts"]), (dm, "1.000001")):  # a user id is no DM channel
        with pytest.raises(SlackApiError) as caught:
            await client.chat_update(channel=channel, ts=ts, text="x")
        assert caught.value.response["error"] == "message_not_found"


async def test_history_shows_posted_messages_and_their_metadata_when_asked(
    slack_emulator: SlackEmulator,
) -> None:
    client = AsyncWebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    dm = (await client.conversations_open(users="U1"))["channel"]["id"]
    metadata = {"event_type": "financebot_notification", "event_payload": {"type": "unapproved"}}
    first = await client.chat_postMessage(channel=dm, text="First", metadata=metadata)
    assert "metadata" not in first["message"]
    second = await client.chat_postMessage(channel=dm, text="Second")
    await client.chat_postMessage(channel="D0OTHER", text="Elsewhere")
    history = await client.conversations_history(channel=dm, include_all_metadata=True)
    assert [m["text"] for m in history["messages"]] == ["Second", "First"]  # newest first
    assert history["messages"][1]["metadata"] == metadata
    assert "metadata" not in history["messages"][0]
    assert history["has_more"] is False
    # Without include_all_metadata there is none; oldest (exclusive unless inclusive) and
    # limit page through it.
    plain = await client.conversations_history(channel=dm)
    assert all("metadata" not in m for m in plain["messages"])
    after = await client.conversations_history(channel=dm, oldest=first["ts"])
    assert [m["ts"] for m in after["messages"]] == [second["ts"]]
    both = await client.conversations_history(channel=dm, oldest=first["ts"], inclusive=True)
    assert len(both["messages"]) == 2
    page = await client.conversations_history(channel=dm, limit=1)
    assert [m["text"] for m in page["messages"]] == ["Second"] and page["has_more"] is True
    cursor = page["response_metadata"]["next_cursor"]
    rest = await client.conversations_history(channel=dm, limit=1, cursor=cursor)
    assert [m["text"] for m in rest["messages"]] == ["First"] and rest["has_more"] is False


async def test_a_handled_fault_takes_effect_and_still_answers_the_error(
    slack_emulator: SlackEmulator,
) -> None:
    client = AsyncWebClient(
        token=slack_emulator.bot_token, base_url=slack_emulator.api_url, retry_handlers=[]
    )
    slack_emulator.fail_once("chat.postMessage", status=500, error="internal_error", handled=True)
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="D1", text="Posted anyway")
    assert caught.value.response.status_code == 500
    assert [m["text"] for m in slack_emulator.messages.values()] == ["Posted anyway"]
    # An ordinary fault is answered before the call takes effect.
    slack_emulator.fail_once("chat.postMessage", status=500, error="internal_error")
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="D1", text="Not posted")
    assert len(slack_emulator.messages) == 1


FORM = {
    "type": "modal",
    "callback_id": "review",
    "title": {"type": "plain_text", "text": "Review"},
    "private_metadata": "invoice:7",
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Invoice 7"}},
        {
            "type": "input",
            "block_id": "number",
            "label": {"type": "plain_text", "text": "Number"},
            "element": {"type": "plain_text_input", "action_id": "n", "initial_value": "INV-1"},
        },
        {
            "type": "input",
            "block_id": "sent",
            "label": {"type": "plain_text", "text": "Sent"},
            "element": {
                "type": "checkboxes",
                "action_id": "s",
                "options": [{"text": {"type": "plain_text", "text": "Sent"}, "value": "sent"}],
            },
        },
    ],
}


async def test_a_submission_of_an_opened_view_is_that_view_with_every_input(
    slack_emulator: SlackEmulator,
) -> None:
    trigger = slack_emulator.trigger_id()
    view = (await _views(slack_emulator, "views.open", trigger_id=trigger, view=FORM))["view"]
    app = AsyncApp(
        client=AsyncWebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url),
        process_before_response=True,
        request_verification_enabled=False,
    )
    received: list[dict[str, Any]] = []
    answers = iter(
        [
            {"response_action": "errors", "errors": {"number": "Bad number", "Invoice 7": "x"}},
            {"response_action": "update", "view": {**MODAL, "callback_id": "done"}},
        ]
    )

    @app.view("review")
    async def review(ack: AsyncAck, view: dict[str, Any]) -> None:
        received.append(view)
        await ack(**next(answers))

    handler = ImmediateAckSocketModeHandler(app, slack_emulator.app_token)
    await handler.connect_async()
    try:
        changed = {"sent": {"s": {"type": "checkboxes", "selected_options": [{"value": "sent"}]}}}
        ack = await slack_emulator.send_view_submission("review", changed, view_id=view["id"])
        assert ack.payload is not None and ack.payload["response_action"] == "errors"
        submitted = received[0]
        assert submitted["private_metadata"] == "invoice:7"
        assert submitted["blocks"] == FORM["blocks"]
        assert submitted["state"]["values"] == {
            "number": {"n": {"type": "plain_text_input", "value": "INV-1"}},  # untouched: shown
            "sent": {"s": {"type": "checkboxes", "selected_options": [{"value": "sent"}]}},
        }
        # Errors must name input blocks of the view: Slack would not show the made-up one.
        assert slack_emulator.violations == [
            f"ack: errors name 'Invoice 7', not an input block of view {view['id']}"
        ]
        slack_emulator.violations.clear()
        await slack_emulator.send_view_submission("review", view_id=view["id"])
        assert slack_emulator.views[view["id"]]["callback_id"] == "done"  # the update replaced it
    finally:
        await handler.close_async()
