"""The emulated workspace's endpoints (``/workspace/api``): what a member sees, and the envelopes
their doings become, heard by a small Bolt app over a real Socket Mode connection."""

from __future__ import annotations

import asyncio
import contextvars
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.emulators.slack import SlackEmulator
from bot.emulators.slack_workspace import SLACKBOT
from bot.socket_mode import ImmediateAckSocketModeHandler

ADA, BOB, CY = "U0ADA", "U0BOB", "U0CY"
GENERAL = "C0GENERAL"


@dataclass
class Workspace:
    emulator: SlackEmulator
    app: AsyncApp
    client: AsyncWebClient
    http: aiohttp.ClientSession
    heard: asyncio.Queue[dict[str, Any]]

    async def get(self, path: str, **params: str) -> tuple[int, dict[str, Any]]:
        async with self.http.get(f"/workspace/api/{path}", params=params) as response:
            return response.status, await response.json()

    async def post(self, path: str, **body: Any) -> tuple[int, dict[str, Any]]:
        async with self.http.post(f"/workspace/api/{path}", json=body) as response:
            return response.status, await response.json()

    async def state(self, user: str) -> dict[str, Any]:
        status, body = await self.get("state", user=user)
        assert status == 200, body
        return body

    async def messages(self, user: str, conversation: str) -> list[dict[str, Any]]:
        status, body = await self.get("messages", user=user, conversation=conversation)
        assert status == 200, body
        return list(body["messages"])

    async def next_heard(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.heard.get(), 5)


@pytest.fixture
async def workspace(slack_emulator: SlackEmulator) -> AsyncIterator[Workspace]:
    """Three members and a channel; a Bolt app connected over Socket Mode (each test adds its
    listeners); an HTTP session on the emulator."""
    emulator = slack_emulator
    emulator.add_user(ADA, email="ada@example.com", real_name="Ada Lovelace", name="ada")
    emulator.add_user(BOB, email="bob@example.com", real_name="Bob Berg", name="bob")
    emulator.add_user(CY, email="cy@example.com", real_name="Cy Young", name="cy")
    emulator.add_user("U0GONE", real_name="Gone Person", name="gone", deleted=True)
    emulator.add_channel(GENERAL, "general")
    client = AsyncWebClient(token=emulator.bot_token, base_url=emulator.api_url)
    app = AsyncApp(client=client, request_verification_enabled=False)
    handler = ImmediateAckSocketModeHandler(app, emulator.app_token)
    await handler.connect_async()
    await emulator.wait_for_connections(1)
    try:
        async with aiohttp.ClientSession(base_url=emulator.base_url) as http:
            yield Workspace(emulator, app, client, http, asyncio.Queue())
    finally:
        await handler.close_async()
    assert not emulator.violations, emulator.violations


# ---------------------------------------------------------------------- the page itself


async def test_the_page_and_its_files_are_served(workspace: Workspace) -> None:
    http = workspace.http
    async with http.get("/workspace") as response:
        page = await response.text()
        assert response.status == 200 and response.content_type == "text/html"
    assert '<script type="module" src="/workspace/static/app.js">' in page
    for name, kind in (
        ("app.js", "text/javascript"),
        ("blocks.js", "text/javascript"),
        ("mrkdwn.js", "text/javascript"),
        ("workspace.css", "text/css"),
    ):
        async with http.get(f"/workspace/static/{name}") as response:
            assert (response.status, response.content_type) == (200, kind), name
            assert len(await response.read()) > 500
    for missing in ("nope.js", "..%2Fslack.py", "slack.py"):
        async with http.get(f"/workspace/static/{missing}") as response:
            assert response.status == 404, missing


async def test_the_people_are_the_members_who_can_sign_in(workspace: Workspace) -> None:
    workspace.emulator.workspace.commands["/flex-hours"] = "Show your flex-time balance"
    status, body = await workspace.get("people")
    assert status == 200
    assert [m["name"] for m in body["members"]] == ["ada", "bob", "cy"]  # not the deleted one
    assert body["commands"] == [
        {"command": "/flex-hours", "description": "Show your flex-time balance"}
    ]
    assert body["bot_user_id"] == workspace.emulator.bot_user_id


async def test_bad_requests_are_refused_with_a_reason(workspace: Workspace) -> None:
    assert (await workspace.get("state", user="U0NOBODY"))[0] == 404
    assert (await workspace.get("state", user="U0GONE"))[0] == 404
    async with workspace.http.post("/workspace/api/type", data="not json") as response:
        assert response.status == 400
        assert "JSON" in (await response.json())["error"]
    status, body = await workspace.post("type", user=ADA, text="hi")
    assert (status, body["error"]) == (400, "conversation is required (a non-empty string)")
    status, body = await workspace.post("click", user=ADA, conversation=GENERAL, ts="1.0")
    assert status == 400 and "block" in body["error"]
    status, body = await workspace.post(
        "click", user=ADA, conversation=GENERAL, ts="1.0", block=0, element=0, action_id="x"
    )
    assert status == 409 and "look again" in body["error"]
    assert (await workspace.post("actions/nope", user=ADA))[0] == 404
    assert not workspace.emulator.acks  # nothing reached the bot


# ---------------------------------------------------------------------- what a member sees


async def test_a_member_sees_their_dm_group_dms_and_the_channels(workspace: Workspace) -> None:
    client = workspace.client
    await client.chat_postMessage(channel=ADA, text="to Ada, named by her user id")
    group = (await client.conversations_open(users=[ADA, BOB]))["channel"]["id"]
    posted = await client.chat_postMessage(channel=group, text="to Ada and Bob")

    ada = await workspace.state(ADA)
    kinds = [(c["kind"], c["name"]) for c in ada["conversations"]]
    assert kinds == [("im", "Finance Bot"), ("mpim", "Bob Berg"), ("channel", "general")]
    dm = ada["conversations"][0]["id"]
    assert dm == workspace.emulator.conversation_id(ADA)
    [to_ada] = await workspace.messages(ADA, dm)
    assert (to_ada["text"], to_ada["user_name"], to_ada["is_bot"]) == (
        "to Ada, named by her user id",
        "Finance Bot",
        True,
    )
    assert [m["text"] for m in await workspace.messages(BOB, group)] == ["to Ada and Bob"]

    cy = await workspace.state(CY)
    assert [c["kind"] for c in cy["conversations"]] == ["im", "channel"]
    status, body = await workspace.get("messages", user=CY, conversation=group)
    assert status == 403 and "not in conversation" in body["error"]

    await client.chat_postEphemeral(channel=GENERAL, user=ADA, text="only for Ada")
    [ephemeral] = await workspace.messages(ADA, GENERAL)
    assert (ephemeral["text"], ephemeral["ephemeral"]) == ("only for Ada", True)
    assert await workspace.messages(BOB, GENERAL) == []

    await client.chat_update(channel=group, ts=posted["ts"], text="changed in place")
    [changed] = await workspace.messages(ADA, group)
    assert (changed["ts"], changed["text"], changed["edited"]) == (
        posted["ts"],
        "changed in place",
        True,
    )


async def test_blocks_come_with_block_ids_as_slack_hands_them_back(workspace: Workspace) -> None:
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}},
        {"type": "actions", "block_id": "mine", "elements": []},
    ]
    await workspace.client.chat_postMessage(channel=GENERAL, text="hi", blocks=blocks)
    [message] = await workspace.messages(ADA, GENERAL)
    ids = [block["block_id"] for block in message["blocks"]]
    assert ids[1] == "mine" and ids[0] and ids[0] != "mine"
    assert [m["blocks"][0]["block_id"] for m in await workspace.messages(BOB, GENERAL)] == [ids[0]]


# ---------------------------------------------------------------------- slash commands


async def test_a_command_is_answered_only_to_its_asker_and_replaced_through_response_url(
    workspace: Workspace,
) -> None:
    workspace.emulator.workspace.commands["/flex-hours"] = "Show your flex-time balance"

    @workspace.app.command("/flex-hours")
    async def flex(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack({"response_type": "ephemeral", "text": "Working on it…"})
        workspace.heard.put_nowait(command)
        await respond(replace_original=True, text=f"Done: {command['text']}")

    status, body = await workspace.post(
        "type", user=ADA, conversation=GENERAL, text="/flex-hours @bob & <me>"
    )
    assert (status, body) == (200, {"ok": True, "sent": "command"})
    command = await workspace.next_heard()
    assert command["text"] == "<@U0BOB|bob> &amp; &lt;me&gt;"  # escaped, as the manifest asks
    assert (command["user_id"], command["user_name"]) == (ADA, "ada")
    assert (command["channel_id"], command["channel_name"]) == (GENERAL, "general")
    await workspace.emulator.wait_for_call("response_url")
    [reply] = await workspace.messages(ADA, GENERAL)
    assert reply["text"] == "Done: <@U0BOB|bob> &amp; &lt;me&gt;" and reply["ephemeral"]
    assert await workspace.messages(BOB, GENERAL) == []


async def test_a_command_the_app_lacks_is_refused_by_slack_itself(workspace: Workspace) -> None:
    workspace.emulator.workspace.commands["/flex-hours"] = "Show your flex-time balance"
    status, _ = await workspace.post("type", user=ADA, conversation=GENERAL, text="/nope now")
    assert status == 200
    [notice] = await workspace.messages(ADA, GENERAL)
    assert (notice["user"], notice["text"]) == (SLACKBOT, "`/nope` is not a valid command.")
    assert not workspace.emulator.acks


# ---------------------------------------------------------------------- messages and links


async def test_a_pasted_link_of_the_apps_domain_is_announced_and_its_unfurl_shown(
    workspace: Workspace,
) -> None:
    workspace.emulator.workspace.unfurl_domains.add("finance.example.com")

    @workspace.app.event("link_shared")
    async def shared(event: dict[str, Any], client: AsyncWebClient) -> None:
        workspace.heard.put_nowait(event)
        unfurl = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Inv 1*"}}]}
        await client.chat_unfurl(
            channel=event["channel"],
            ts=event["message_ts"],
            unfurls={link["url"]: unfurl for link in event["links"]},
        )

    mine = "https://finance.example.com/invoices/1"
    text = f"see {mine}, and https://elsewhere.example.org/x <b>@cy</b>"
    status, body = await workspace.post("type", user=ADA, conversation=GENERAL, text=text)
    assert (status, body["sent"]) == (200, "message")
    event = await workspace.next_heard()
    assert event["type"] == "link_shared" and event["source"] == "conversations_history"
    assert (event["channel"], event["user"]) == (GENERAL, ADA)
    assert event["links"] == [{"domain": "finance.example.com", "url": mine}]
    await workspace.emulator.wait_for_call("chat.unfurl")

    [message] = await workspace.messages(BOB, GENERAL)
    assert message["ts"] == event["message_ts"] and message["user"] == ADA
    assert message["text"] == (
        f"see <{mine}>, and <https://elsewhere.example.org/x> &lt;b&gt;<@U0CY>&lt;/b&gt;"
    )
    assert message["unfurls"][0]["url"] == mine
    assert message["unfurls"][0]["blocks"][0]["text"]["text"] == "*Inv 1*"


async def test_a_click_in_a_message_is_the_block_action_slack_sends(workspace: Workspace) -> None:
    button = {
        "type": "button",
        "action_id": "approve",
        "value": "invoice-7",
        "style": "primary",
        "text": {"type": "plain_text", "text": "Approve"},
    }
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Invoice 7"}},
        {"type": "actions", "elements": [button]},
    ]
    dm = workspace.emulator.conversation_id(ADA)
    posted = await workspace.client.chat_postMessage(channel=dm, text="Invoice 7", blocks=blocks)

    @workspace.app.action("approve")
    async def approve(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        workspace.heard.put_nowait(body)
        await respond(replace_original=True, text="Approved by Ada")

    [shown] = await workspace.messages(ADA, dm)
    status, _ = await workspace.post(
        "click", user=ADA, conversation=dm, ts=posted["ts"], block=1, element=0, action_id="approve"
    )
    assert status == 200
    body = await workspace.next_heard()
    assert body["type"] == "block_actions"
    assert body["user"]["id"] == ADA and body["user"]["username"] == "ada"
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": dm,
        "is_ephemeral": False,
    }
    assert body["channel"]["id"] == dm
    assert (body["message"]["ts"], body["message"]["blocks"]) == (posted["ts"], blocks)
    [action] = body["actions"]
    assert action["block_id"] == shown["blocks"][1]["block_id"]
    assert {k: action[k] for k in ("action_id", "type", "value", "style", "text")} == {
        "action_id": "approve",
        "type": "button",
        "value": "invoice-7",
        "style": "primary",
        "text": button["text"],
    }
    assert body["response_url"].startswith(workspace.emulator.base_url) and body["trigger_id"]
    await workspace.emulator.wait_for_call("response_url")
    [replaced] = await workspace.messages(ADA, dm)
    assert (replaced["ts"], replaced["text"], replaced["blocks"]) == (
        posted["ts"],
        "Approved by Ada",
        [],
    )


# ---------------------------------------------------------------------- modals and App Home

REASON_MODAL = {
    "type": "modal",
    "callback_id": "reason",
    "title": {"type": "plain_text", "text": "Why?"},
    "submit": {"type": "plain_text", "text": "Send"},
    "private_metadata": "invoice-7",
    "blocks": [
        {
            "type": "input",
            "block_id": "reason",
            "label": {"type": "plain_text", "text": "Reason"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        },
        {
            "type": "input",
            "block_id": "sure",
            "optional": True,
            "label": {"type": "plain_text", "text": "Sure?"},
            "element": {
                "type": "checkboxes",
                "action_id": "sure",
                "options": [{"text": {"type": "plain_text", "text": "Yes"}, "value": "yes"}],
            },
        },
    ],
}


async def open_reason_modal(workspace: Workspace) -> str:
    """Ada clicks a button whose listener opens :data:`REASON_MODAL`; returns its view id."""

    @workspace.app.action("why")
    async def why(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=REASON_MODAL)

    button = {"type": "button", "action_id": "why", "text": {"type": "plain_text", "text": "?"}}
    posted = await workspace.client.chat_postMessage(
        channel=GENERAL, text="?", blocks=[{"type": "actions", "elements": [button]}]
    )
    await workspace.post(
        "click",
        user=ADA,
        conversation=GENERAL,
        ts=posted["ts"],
        block=0,
        element=0,
        action_id="why",
    )
    await workspace.emulator.wait_for_call("views.open")
    modal = (await workspace.state(ADA))["modal"]
    assert modal is not None and modal["depth"] == 1
    assert modal["view"]["title"]["text"] == "Why?"
    return str(modal["view"]["id"])


async def test_a_modal_opens_for_its_clicker_shows_errors_under_fields_and_is_updated(
    workspace: Workspace,
) -> None:
    emulator = workspace.emulator

    @workspace.app.view("reason")
    async def submitted(ack: AsyncAck, view: dict[str, Any]) -> None:
        workspace.heard.put_nowait(view)
        reason = view["state"]["values"]["reason"]["text"]["value"]
        if len(reason) < 5:
            await ack(response_action="errors", errors={"reason": "Say a little more."})
            return
        thanks = {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Thanks"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Noted."}}],
        }
        await ack(response_action="update", view=thanks)

    view_id = await open_reason_modal(workspace)
    assert (await workspace.state(BOB))["modal"] is None

    # Slack's client refuses an empty required field itself: the app hears nothing.
    acks = len(emulator.acks)
    status, body = await workspace.post("submit", user=ADA, view_id=view_id, entered={})
    assert (status, body["errors"]) == (200, {"reason": "Please complete this required field."})
    assert len(emulator.acks) == acks

    entered = {"reason": {"text": "no"}, "sure": {"sure": ["yes"]}}
    status, body = await workspace.post("submit", user=ADA, view_id=view_id, entered=entered)
    assert body["errors"] == {"reason": "Say a little more."}
    view = await workspace.next_heard()
    assert view["private_metadata"] == "invoice-7"
    assert view["state"]["values"] == {
        "reason": {"text": {"type": "plain_text_input", "value": "no"}},
        "sure": {
            "sure": {
                "type": "checkboxes",
                "selected_options": [
                    {"text": {"type": "plain_text", "text": "Yes"}, "value": "yes"}
                ],
            }
        },
    }
    modal = (await workspace.state(ADA))["modal"]
    assert modal["errors"] == {"reason": "Say a little more."}

    entered["reason"]["text"] = "the rates are wrong"
    status, body = await workspace.post("submit", user=ADA, view_id=view_id, entered=entered)
    assert (status, body["errors"]) == (200, {})
    modal = (await workspace.state(ADA))["modal"]
    assert (modal["view"]["id"], modal["view"]["title"]["text"]) == (view_id, "Thanks")
    assert modal["errors"] == {}


async def test_a_closed_modal_is_gone_for_the_app_too(workspace: Workspace) -> None:
    view_id = await open_reason_modal(workspace)
    status, _ = await workspace.post("close", user=ADA, view_id=view_id)
    assert status == 200
    assert (await workspace.state(ADA))["modal"] is None
    with pytest.raises(SlackApiError) as refused:
        await workspace.client.views_update(view_id=view_id, view=REASON_MODAL)
    assert refused.value.response["error"] == "not_found"
    status, _ = await workspace.post("close", user=ADA, view_id=view_id)
    assert status == 409


async def test_a_submission_acked_without_an_answer_closes_the_modal(workspace: Workspace) -> None:
    @workspace.app.view("reason")
    async def submitted(ack: AsyncAck) -> None:
        await ack()

    view_id = await open_reason_modal(workspace)
    entered = {"reason": {"text": "fine as it is"}}
    status, body = await workspace.post("submit", user=ADA, view_id=view_id, entered=entered)
    assert (status, body["errors"]) == (200, {})
    assert (await workspace.state(ADA))["modal"] is None


async def test_opening_app_home_sends_app_home_opened_and_shows_the_published_view(
    workspace: Workspace,
) -> None:
    @workspace.app.event("app_home_opened")
    async def opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        workspace.heard.put_nowait(event)
        home = {
            "type": "home",
            "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "Hi Ada"}}],
        }
        await client.views_publish(user_id=event["user"], view=home)

    assert (await workspace.state(ADA))["home"] is None
    assert (await workspace.post("home", user=ADA))[0] == 200
    event = await workspace.next_heard()
    assert (event["user"], event["tab"]) == (ADA, "home")
    assert event["channel"] == workspace.emulator.conversation_id(ADA)
    assert "view" not in event  # nothing published yet
    await workspace.emulator.wait_for_call("views.publish")
    home = (await workspace.state(ADA))["home"]
    assert home["blocks"][0]["text"]["text"] == "Hi Ada" and home["blocks"][0]["block_id"]
    assert (await workspace.state(BOB))["home"] is None

    await workspace.post("home", user=ADA)
    again = await workspace.next_heard()
    assert again["view"]["id"] == home["id"]  # Slack sends the published view along


# ---------------------------------------------------------------------- actions and live updates

DATABASE: contextvars.ContextVar[str] = contextvars.ContextVar("DATABASE", default="none")


async def test_workspace_actions_run_in_their_registrars_context_and_report(
    workspace: Workspace,
) -> None:
    shown = workspace.emulator.workspace

    async def send_reminders() -> str:
        return f"3 sent through {DATABASE.get()}"

    async def break_down() -> str:
        raise RuntimeError("no database")

    token = DATABASE.set("the demo's database")
    try:
        shown.add_action("remind", "Monday: reminders", send_reminders, "to everyone")
        shown.add_action("broken", "Broken", break_down)
    finally:
        DATABASE.reset(token)

    listed = (await workspace.state(ADA))["actions"]
    assert [(a["key"], a["label"], a["runs"]) for a in listed] == [
        ("remind", "Monday: reminders", 0),
        ("broken", "Broken", 0),
    ]
    for key in ("remind", "broken"):
        status, body = await workspace.post(f"actions/{key}", user=ADA)
        assert status == 200 and body["action"]["running"]
        task = shown.actions[key].task
        assert task is not None
        await asyncio.wait_for(task, 5)
    remind, broken = (await workspace.state(ADA))["actions"]
    assert remind["result"].startswith("3 sent through the demo's database (")
    assert (remind["runs"], remind["failed"], remind["running"]) == (1, False, False)
    assert broken["failed"] and broken["result"] == "failed: RuntimeError: no database"


async def test_the_event_stream_names_each_new_version(workspace: Workspace) -> None:
    async with workspace.http.get("/workspace/api/events") as response:
        assert response.content_type == "text/event-stream"
        first = json.loads((await response.content.readline()).decode().removeprefix("data: "))
        assert (await response.content.readline()) == b"\n"
        await workspace.client.chat_postMessage(channel=GENERAL, text="news")
        line = await asyncio.wait_for(response.content.readline(), 5)
        assert json.loads(line.decode().removeprefix("data: "))["version"] > first["version"]


STEP_TWO = {
    "type": "modal",
    "callback_id": "step-two",
    "title": {"type": "plain_text", "text": "Step two"},
    "submit": {"type": "plain_text", "text": "Done"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Almost there"}}],
}


async def test_views_pushed_by_a_click_or_a_submission_stack_up_and_clear_goes_back_to_none(
    workspace: Workspace,
) -> None:
    more = {"type": "button", "action_id": "more", "text": {"type": "plain_text", "text": "+"}}
    modal = {
        **REASON_MODAL,
        "blocks": [*REASON_MODAL["blocks"], {"type": "actions", "elements": [more]}],
    }

    @workspace.app.action("why")
    async def why(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=modal)

    @workspace.app.action("more")
    async def push(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        workspace.heard.put_nowait(body)
        await client.views_push(trigger_id=body["trigger_id"], view=STEP_TWO)

    @workspace.app.view("step-two")
    async def cleared(ack: AsyncAck) -> None:
        await ack(response_action="clear")

    button = {"type": "button", "action_id": "why", "text": {"type": "plain_text", "text": "?"}}
    posted = await workspace.client.chat_postMessage(
        channel=GENERAL, text="?", blocks=[{"type": "actions", "elements": [button]}]
    )
    await workspace.post(
        "click",
        user=ADA,
        conversation=GENERAL,
        ts=posted["ts"],
        block=0,
        element=0,
        action_id="why",
    )
    await workspace.emulator.wait_for_call("views.open")
    view_id = (await workspace.state(ADA))["modal"]["view"]["id"]
    status, _ = await workspace.post(
        "click",
        user=ADA,
        view_id=view_id,
        block=2,
        element=0,
        action_id="more",
        entered={"reason": {"text": "typed so far"}},
    )
    assert status == 200
    body = await workspace.next_heard()
    assert body["container"] == {"type": "view", "view_id": view_id}
    assert body["view"]["state"]["values"]["reason"]["text"]["value"] == "typed so far"
    await workspace.emulator.wait_for_call("views.push")
    pushed = (await workspace.state(ADA))["modal"]
    assert (pushed["depth"], pushed["view"]["title"]["text"]) == (2, "Step two")

    status, body = await workspace.post("submit", user=ADA, view_id=pushed["view"]["id"])
    assert (status, body["errors"]) == (200, {})
    assert (await workspace.state(ADA))["modal"] is None
    assert view_id not in workspace.emulator.views


async def test_a_submission_answered_with_push_stacks_a_view_and_closing_closes_all(
    workspace: Workspace,
) -> None:
    @workspace.app.view("reason")
    async def pushed(ack: AsyncAck) -> None:
        await ack(response_action="push", view=STEP_TWO)

    view_id = await open_reason_modal(workspace)
    entered = {"reason": {"text": "see the next step"}}
    status, _ = await workspace.post("submit", user=ADA, view_id=view_id, entered=entered)
    assert status == 200
    top = (await workspace.state(ADA))["modal"]
    assert (top["depth"], top["view"]["title"]["text"]) == (2, "Step two")
    assert top["view"]["previous_view_id"] == view_id
    await workspace.post("close", user=ADA, view_id=top["view"]["id"])
    assert (await workspace.state(ADA))["modal"] is None
