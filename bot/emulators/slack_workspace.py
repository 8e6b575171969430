"""The emulated workspace as its members see it, for the browser page at ``/workspace``.

The emulator (:mod:`bot.emulators.slack`) records what the bot asks of Slack; this keeps what a
member's Slack client would show beyond that: the members of each group DM (from
``conversations.open``), ephemeral messages and replies through ``response_url``, what members
typed, unfurls, each member's open modal stack, and errors shown under a modal's fields. It
learns it as an observer of the emulator's Web API calls, and from the envelopes it sends when
the member does something on the page (:class:`SlackWorkspace` ``type_text``, ``click``,
``submit``, ``close_modal``, ``open_home``). Those are the envelopes Slack sends, through the
emulator's ``send_*`` methods, so the bot cannot tell the page from a test.

Workspace actions (:meth:`SlackWorkspace.add_action`) are named coroutines the page lists:
the demo registers "run Monday's reminders now" and the like, standing in for time passing.
Every change bumps :attr:`SlackWorkspace.version` and wakes :meth:`SlackWorkspace.wait_for_change`.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.emulators.slack_workspace_blocks import (
    BlockNotFound,
    State,
    Timestamps,
    action_fields,
    element_at,
    escape_typed,
    links_in,
    missing_required,
    view_state,
    with_block_ids,
)

if TYPE_CHECKING:
    from bot.emulators.slack import Ack, SlackEmulator

log = logging.getLogger(__name__)

SLACKBOT = "USLACKBOT"
ENVELOPE_TIMEOUT = 3.0  # Slack waits this long for an ack


class NotConnected(RuntimeError):
    """The bot did not take the envelope (no Socket Mode connection, or no ack in 3 s)."""


@dataclass
class ShownMessage:
    """A message the emulator's record of the bot's posts does not hold: a member's own, an
    ephemeral one (``ephemeral_to``), or a reply through ``response_url``."""

    channel: str
    ts: str
    user: str
    text: str
    blocks: list[Any] = field(default_factory=list)
    ephemeral_to: str | None = None


@dataclass
class ResponseTarget:
    """Where replies to one ``response_url`` go: the member, the conversation, and the message
    clicked (None: a slash command, whose latest ephemeral reply ``replace_original`` swaps)."""

    user: str
    channel: str
    message_ts: str | None = None
    message_ephemeral: bool = False
    last_reply_ts: str | None = None


@dataclass
class WorkspaceAction:
    """A named coroutine the page offers; it returns a line saying what it did."""

    key: str
    label: str
    run: Callable[[], Awaitable[str]]
    description: str = ""
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    running: bool = False
    result: str = ""
    failed: bool = False
    runs: int = 0
    task: asyncio.Task[None] | None = None

    def shown(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "description": self.description,
            "running": self.running,
            "result": self.result,
            "failed": self.failed,
            "runs": self.runs,
        }


class SlackWorkspace:
    """See the module docstring."""

    def __init__(self, emulator: SlackEmulator, *, app_name: str = "Finance Bot") -> None:
        self.emulator = emulator
        self.app_name = app_name
        self.group_members: dict[str, tuple[str, ...]] = {}
        self.shown: dict[tuple[str, str], ShownMessage] = {}
        self.unfurls: dict[tuple[str, str], dict[str, Any]] = {}
        self.edited: set[tuple[str, str]] = set()
        self.modal_stacks: dict[str, list[str]] = {}
        self.view_errors: dict[str, dict[str, str]] = {}
        self.response_targets: dict[str, ResponseTarget] = {}
        self.actions: dict[str, WorkspaceAction] = {}
        self.commands: dict[str, str] = {}
        """Slash commands the app has (name → description); empty: any is passed on."""
        self.unescaped_commands: set[str] = set()
        """Commands whose manifest says ``should_escape: false``."""
        self.unfurl_domains: set[str] = set()
        """Hosts whose links the app unfurls (the manifest's ``unfurl_domains``)."""
        self.version = 0
        self.closed = False  # the emulator is stopping: event streams end
        self._changed = asyncio.Event()
        self._timestamps = Timestamps()
        emulator.observers.append(self._observe)

    # ------------------------------------------------------------------ changes

    def changed(self) -> None:
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for_change(self, since: int, timeout: float) -> int:  # noqa: ASYNC109
        """The version once it is past ``since`` (or as it is after ``timeout`` seconds)."""
        if self.version > since:
            return self.version
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            pass
        return self.version

    # ------------------------------------------------------------------ directory

    def members(self) -> list[dict[str, Any]]:
        """Everyone who can sign in: members who are neither deleted nor bots."""
        return [u for u in self.emulator.users if not u.get("deleted") and not u.get("is_bot")]

    def member(self, user_id: str) -> dict[str, Any] | None:
        return next((u for u in self.members() if u["id"] == user_id), None)

    def display_name(self, user_id: str) -> str:
        if user_id == self.emulator.bot_user_id:
            return self.app_name
        if user_id == SLACKBOT:
            return "Slackbot"
        member = next((u for u in self.emulator.users if u["id"] == user_id), None)
        if member is None:
            return user_id
        return str(member.get("real_name") or member.get("name") or user_id)

    def conversation_of(self, channel: str) -> str:
        """The conversation a ``channel`` argument names: a user id names the bot's DM."""
        if channel[:1] in ("U", "W"):
            return self.emulator.conversation_id(channel)
        return channel

    def conversations_for(self, user_id: str) -> list[dict[str, Any]]:
        """The member's DM with the app, group DMs with the app, then the open channels."""
        dm = self.emulator.conversation_id(user_id)
        found: list[dict[str, Any]] = [
            {"id": dm, "kind": "im", "name": self.app_name, "members": [user_id]}
        ]
        for group, members in sorted(self.group_members.items()):
            if user_id in members:
                others = [self.display_name(m) for m in members if m != user_id]
                found.append(
                    {"id": group, "kind": "mpim", "name": ", ".join(others), "members": members}
                )
        for channel in self.emulator.channels:
            if not channel.get("is_archived") and not channel.get("is_private"):
                found.append({"id": channel["id"], "kind": "channel", "name": channel["name"]})
        for conversation in found:
            messages = self.messages_in(str(conversation["id"]), user_id)
            conversation["latest_ts"] = messages[-1]["ts"] if messages else ""
        return found

    def is_member_of(self, user_id: str, conversation: str) -> bool:
        """The member's DM with the app, a group DM they are in, or a public channel."""
        if conversation == self.emulator.conversation_id(user_id):
            return True
        if user_id in self.group_members.get(conversation, ()):
            return True
        return any(
            c["id"] == conversation and not c.get("is_private") for c in self.emulator.channels
        )

    def channel_name(self, conversation: str) -> str:
        for channel in self.emulator.channels:
            if channel["id"] == conversation:
                return str(channel["name"])
        return "directmessage" if conversation.startswith("D") else "mpdm"

    # ------------------------------------------------------------------ what a member sees

    def _bot_messages(self, conversation: str) -> list[tuple[tuple[str, str], dict[str, Any]]]:
        return [
            (key, message)
            for key, message in self.emulator.messages.items()
            if self.conversation_of(key[0]) == conversation
        ]

    def messages_in(self, conversation: str, user_id: str) -> list[dict[str, Any]]:
        """The messages ``user_id`` sees in ``conversation``, oldest first."""
        found = []
        for (channel, ts), message in self._bot_messages(conversation):
            found.append(
                self._shown(
                    conversation,
                    ts,
                    str(message.get("user") or self.emulator.bot_user_id),
                    str(message.get("text") or ""),
                    list(message.get("blocks") or []),
                    edited=(channel, ts) in self.edited,
                )
            )
        for (channel, ts), shown in self.shown.items():
            if channel == conversation and shown.ephemeral_to in (None, user_id):
                found.append(
                    self._shown(
                        channel,
                        ts,
                        shown.user,
                        shown.text,
                        shown.blocks,
                        ephemeral=shown.ephemeral_to is not None,
                        edited=(channel, ts) in self.edited,
                    )
                )
        found.sort(key=lambda m: float(m["ts"]))
        return found

    def _shown(
        self,
        conversation: str,
        ts: str,
        user: str,
        text: str,
        blocks: list[Any],
        *,
        ephemeral: bool = False,
        edited: bool = False,
    ) -> dict[str, Any]:
        unfurls = self.unfurls.get((conversation, ts)) or {}
        return {
            "ts": ts,
            "user": user,
            "user_name": self.display_name(user),
            "is_bot": user == self.emulator.bot_user_id,
            "text": text,
            "blocks": with_block_ids(blocks, ts),
            "ephemeral": ephemeral,
            "edited": edited,
            "unfurls": [{"url": url, **unfurl} for url, unfurl in unfurls.items()],
        }

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        view = self.emulator.home_views.get(user_id)
        return _shown_view(view) if view is not None else None

    def modal_for(self, user_id: str) -> dict[str, Any] | None:
        """The member's visible modal view (the top of their stack), its field errors and the
        stack's depth; None when no modal is open."""
        stack = self.modal_stacks.get(user_id, [])
        stack[:] = [v for v in stack if v in self.emulator.views]
        if not stack:
            return None
        view_id = stack[-1]
        return {
            "view": _shown_view(self.emulator.views[view_id]),
            "errors": self.view_errors.get(view_id, {}),
            "depth": len(stack),
        }

    def state_for(self, user_id: str) -> dict[str, Any]:
        """Everything the page shows of the member but the messages of one conversation."""
        return {
            "version": self.version,
            "user": user_id,
            "conversations": self.conversations_for(user_id),
            "home": self.home_view(user_id),
            "modal": self.modal_for(user_id),
            "actions": [action.shown() for action in self.actions.values()],
        }

    # ------------------------------------------------------------------ observing the bot

    def _observe(self, method: str, args: dict[str, Any], result: dict[str, Any]) -> None:
        handler = {
            "conversations.open": self._opened,
            "chat.postEphemeral": self._ephemeral_posted,
            "chat.update": self._updated,
            "chat.unfurl": self._unfurled,
            "views.open": self._modal_opened,
            "views.push": self._modal_pushed,
            "views.update": self._view_updated,
            "response_url": self._responded,
        }.get(method)
        if handler is not None:
            handler(args, result)
        self.changed()

    def _opened(self, args: dict[str, Any], result: dict[str, Any]) -> None:
        raw = args.get("users", "")
        users = raw if isinstance(raw, list) else [u for u in str(raw).split(",") if u]
        users = sorted(set(users))
        if len(users) > 1:
            self.group_members[str(result["channel"]["id"])] = tuple(users)

    def _ephemeral_posted(self, args: dict[str, Any], result: dict[str, Any]) -> None:
        channel = self.conversation_of(str(args["channel"]))
        self.shown[(channel, str(result["message_ts"]))] = ShownMessage(
            channel,
            str(result["message_ts"]),
            self.emulator.bot_user_id,
            str(args.get("text") or ""),
            list(args.get("blocks") or []),
            ephemeral_to=str(args["user"]),
        )

    def _updated(self, args: dict[str, Any], result: dict[str, Any]) -> None:
        self.edited.add((str(args["channel"]), str(args["ts"])))

    def _unfurled(self, args: dict[str, Any], result: dict[str, Any]) -> None:
        if not args.get("channel") or not args.get("ts"):
            return  # a composer unfurl: the page sends none
        key = (self.conversation_of(str(args["channel"])), str(args["ts"]))
        unfurls = args.get("unfurls")
        if isinstance(unfurls, dict):
            self.unfurls.setdefault(key, {}).update(unfurls)

    def _modal_opened(self, args: dict[str, Any], result: dict[str, Any]) -> None:
        user = self.emulator.trigger_user(str(args.get("trigger_id")))
        if user is not None:
            self.modal_stacks[user] = [str(result["view"]["id"])]

    def _modal_pushed(self, args: dict[str, Any], result: dict[str, Any]) -> None:
        user = self.emulator.trigger_user(str(args.get("trigger_id")))
        if user is not None:
            self.modal_stacks.setdefault(user, []).append(str(result["view"]["id"]))

    def _view_updated(self, args: dict[str, Any], result: dict[str, Any]) -> None:
        self.view_errors.pop(str(result["view"]["id"]), None)

    def _responded(self, args: dict[str, Any], result: dict[str, Any]) -> None:
        url = f"{self.emulator.base_url}/response-url/{args.get('response_url_id')}"
        target = self.response_targets.get(url)
        if target is None:
            return  # a response_url a test made up
        text = str(args.get("text") or "")
        blocks = list(args.get("blocks") or [])
        if _truthy(args.get("delete_original")):
            self._delete_original(target)
            return
        if _truthy(args.get("replace_original")) and self._replace_original(target, text, blocks):
            return
        self._reply(target, text, blocks, in_channel=args.get("response_type") == "in_channel")

    def _reply(
        self, target: ResponseTarget, text: str, blocks: list[Any], *, in_channel: bool
    ) -> None:
        ts = self._timestamps.next()
        self.shown[(target.channel, ts)] = ShownMessage(
            target.channel,
            ts,
            self.emulator.bot_user_id,
            text,
            blocks,
            ephemeral_to=None if in_channel else target.user,
        )
        if not in_channel:
            target.last_reply_ts = ts

    def _original_key(self, target: ResponseTarget) -> tuple[str, str] | None:
        """Where the message a reply replaces is kept: ``shown`` or the emulator's record."""
        ts = target.message_ts or target.last_reply_ts
        if ts is None:
            return None
        if (target.channel, ts) in self.shown:
            return (target.channel, ts)
        for key, _ in self._bot_messages(target.channel):
            if key[1] == ts:
                return key
        return None

    def _replace_original(self, target: ResponseTarget, text: str, blocks: list[Any]) -> bool:
        key = self._original_key(target)
        if key is None:
            return False
        if key in self.shown:
            self.shown[key].text, self.shown[key].blocks = text, blocks
        else:
            self.emulator.messages[key].update(text=text, blocks=blocks)
        return True

    def _delete_original(self, target: ResponseTarget) -> None:
        key = self._original_key(target)
        if key is not None:
            self.shown.pop(key, None)
            self.emulator.messages.pop(key, None)

    # ------------------------------------------------------------------ what a member does

    def _names(self) -> tuple[dict[str, str], dict[str, str]]:
        members = {str(u["name"]).lower(): str(u["id"]) for u in self.emulator.users}
        channels = {str(c["name"]).lower(): str(c["id"]) for c in self.emulator.channels}
        return members, channels

    def _notice(self, user_id: str, conversation: str, text: str) -> None:
        """An ephemeral line from Slackbot, as Slack's client shows its own errors."""
        ts = self._timestamps.next()
        self.shown[(conversation, ts)] = ShownMessage(
            conversation, ts, SLACKBOT, text, ephemeral_to=user_id
        )
        self.changed()

    async def _send(self, sending: Awaitable[Ack]) -> Ack:
        try:
            return await sending
        except TimeoutError as exc:
            raise NotConnected(f"{self.app_name} did not answer: {exc}") from None

    async def type_text(self, user_id: str, conversation: str, text: str) -> str:
        """The member sends ``text`` in ``conversation``: a slash command when it starts with
        ``/``, else a message (with ``link_shared`` for links the app unfurls). Returns what
        happened, in a word: ``command``, ``message``."""
        if text.startswith("/"):
            await self.run_command(user_id, conversation, text)
            return "command"
        await self.post_message(user_id, conversation, text)
        return "message"

    async def run_command(self, user_id: str, conversation: str, typed: str) -> None:
        command, _, text = typed.strip().partition(" ")
        if self.commands and command not in self.commands:
            self._notice(user_id, conversation, f"`{command}` is not a valid command.")
            return
        members, channels = self._names()
        if command not in self.unescaped_commands:
            text = escape_typed(text.strip(), members, channels, with_names=True)
        response_url = self.emulator.response_url()
        target = ResponseTarget(user_id, conversation)
        self.response_targets[response_url] = target
        member = self.member(user_id) or {}
        try:
            ack = await self._send(
                self.emulator.send_slash_command(
                    command,
                    text.strip(),
                    user_id=user_id,
                    user_name=str(member.get("name") or user_id.lower()),
                    channel_id=conversation,
                    channel_name=self.channel_name(conversation),
                    response_url=response_url,
                    timeout=ENVELOPE_TIMEOUT,
                )
            )
        except NotConnected:
            self._notice(
                user_id, conversation, f'`{command}` failed with the error "operation_timeout"'
            )
            return
        answer = ack.payload or {}
        if answer.get("text") or answer.get("blocks"):
            self._reply(
                target,
                str(answer.get("text") or ""),
                list(answer.get("blocks") or []),
                in_channel=answer.get("response_type") == "in_channel",
            )
            self.changed()

    async def post_message(self, user_id: str, conversation: str, typed: str) -> str:
        """The member's message; links to an unfurl domain are announced with ``link_shared``."""
        members, channels = self._names()
        ts = self._timestamps.next()
        text = escape_typed(typed, members, channels)
        self.shown[(conversation, ts)] = ShownMessage(conversation, ts, user_id, text)
        self.changed()
        links = [
            {"domain": (urlsplit(url).hostname or ""), "url": url}
            for url in links_in(typed)
            if self._unfurls(url)
        ]
        if links:
            event = {
                "type": "link_shared",
                "channel": conversation,
                "is_bot_user_member": True,
                "user": user_id,
                "message_ts": ts,
                "unfurl_id": f"{conversation}.{ts}.unfurl",
                "source": "conversations_history",
                "links": links,
            }
            await self._send(self.emulator.send_event(event, timeout=ENVELOPE_TIMEOUT))
        return ts

    def _unfurls(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.unfurl_domains)

    async def open_home(self, user_id: str) -> None:
        """The member opens the app's Home tab."""
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.emulator.conversation_id(user_id),
            "tab": "home",
        }
        if user_id in self.emulator.home_views:
            event["view"] = self.emulator.home_views[user_id]
        await self._send(self.emulator.send_event(event, timeout=ENVELOPE_TIMEOUT))

    async def click_in_message(
        self,
        user_id: str,
        conversation: str,
        ts: str,
        block_index: int,
        element_index: int,
        action_id: str,
        chosen: Any = None,
    ) -> None:
        """The member clicks (or picks from) an element of a message in ``conversation``."""
        message = self._message(user_id, conversation, ts)
        if message is None:
            raise BlockNotFound(f"no message {ts} in {conversation}")
        blocks = list(message.get("blocks") or [])
        block_id, element = element_at(blocks, ts, block_index, element_index, action_id)
        shown = self.shown.get((conversation, ts))
        ephemeral = shown is not None and shown.ephemeral_to is not None
        response_url = self.emulator.response_url()
        self.response_targets[response_url] = ResponseTarget(
            user_id, conversation, message_ts=ts, message_ephemeral=ephemeral
        )
        await self._send(
            self.emulator.send_block_action(
                str(element.get("action_id")),
                str(element.get("value") or ""),
                user_id=user_id,
                block_id=block_id,
                channel_id=conversation,
                message_ts=ts,
                action_type=str(element.get("type")),
                message=message,
                is_ephemeral=ephemeral,
                channel_name=self.channel_name(conversation),
                response_url=response_url,
                action_fields=action_fields(element, chosen),
                timeout=ENVELOPE_TIMEOUT,
            )
        )

    def _message(self, user_id: str, conversation: str, ts: str) -> dict[str, Any] | None:
        """The message at ``ts`` as Slack would put it into a click's payload, if the member
        sees it."""
        for key, message in self._bot_messages(conversation):
            if key[1] == ts:
                return {k: v for k, v in message.items() if k != "metadata"}
        shown = self.shown.get((conversation, ts))
        if shown is None or shown.ephemeral_to not in (None, user_id):
            return None
        return {
            "type": "message",
            "user": shown.user,
            "text": shown.text,
            "blocks": shown.blocks,
            "ts": ts,
        }

    async def click_in_view(
        self,
        user_id: str,
        view_id: str,
        block_index: int,
        element_index: int,
        action_id: str,
        chosen: Any = None,
        entered: dict[str, Any] | None = None,
    ) -> None:
        """The member clicks an element in their App Home or open modal (``entered``: what the
        modal's inputs hold now)."""
        view = self._view_of(user_id, view_id)
        block_id, element = element_at(
            list(view.get("blocks") or []), view_id, block_index, element_index, action_id
        )
        shown = {**view, "state": {"values": view_state(view, entered or {})}}
        await self._send(
            self.emulator.send_block_action(
                str(element.get("action_id")),
                str(element.get("value") or ""),
                user_id=user_id,
                block_id=block_id,
                view=shown,
                action_type=str(element.get("type")),
                action_fields=action_fields(element, chosen),
                timeout=ENVELOPE_TIMEOUT,
            )
        )

    def _view_of(self, user_id: str, view_id: str) -> dict[str, Any]:
        home = self.emulator.home_views.get(user_id)
        if home is not None and home["id"] == view_id:
            return home
        if view_id in self.modal_stacks.get(user_id, []) and view_id in self.emulator.views:
            return self.emulator.views[view_id]
        raise BlockNotFound(f"view {view_id} is not open for {user_id}")

    async def submit(self, user_id: str, view_id: str, entered: dict[str, Any]) -> dict[str, str]:
        """The member submits their modal; returns the errors shown under its fields (none:
        the bot took it, and the modal is updated, pushed, closed or cleared as it said)."""
        stack = self.modal_stacks.get(user_id, [])
        if not stack or stack[-1] != view_id:
            raise BlockNotFound(f"modal {view_id} is not the one {user_id} sees")
        view = self.emulator.views[view_id]
        state: State = view_state(view, entered)
        missing = missing_required(view, state)
        if missing:
            self.view_errors[view_id] = missing
            self.changed()
            return missing
        ack = await self._send(
            self.emulator.send_view_submission(
                str(view.get("callback_id") or ""),
                state,
                user_id=user_id,
                view_id=view_id,
                timeout=ENVELOPE_TIMEOUT,
            )
        )
        answer = ack.payload or {}
        action = answer.get("response_action")
        errors: dict[str, str] = {}
        stack = self.modal_stacks.setdefault(user_id, [])
        if action == "errors":
            errors = {str(k): str(v) for k, v in (answer.get("errors") or {}).items()}
            self.view_errors[view_id] = errors
        elif action == "update":
            self.view_errors.pop(view_id, None)  # the emulator has put the new view in place
        elif action == "push" and isinstance(answer.get("view"), dict):
            root = stack[0] if stack else view_id
            pushed = self.emulator.store_view(
                answer["view"], root_view_id=root, previous_view_id=view_id
            )
            stack.append(pushed["id"])
        elif action == "clear":
            self._close(user_id, list(stack))
        else:  # the submitted view closes; one below it shows again
            self._close(user_id, [view_id])
        self.changed()
        return errors

    def _close(self, user_id: str, view_ids: list[str]) -> list[dict[str, Any]]:
        """Closes these views of the member's stack, top first; returns them."""
        stack = self.modal_stacks.get(user_id, [])
        closed = []
        for view_id in reversed(stack[:]):
            if view_id not in view_ids:
                continue
            stack.remove(view_id)
            self.view_errors.pop(view_id, None)
            view = self.emulator.views.pop(view_id, None)  # Slack forgets a closed view
            if view is not None:
                closed.append(view)
        return closed

    async def close_modal(self, user_id: str, view_id: str) -> None:
        """The member closes their modal (its ×, or Cancel): the whole stack closes, and the app
        hears ``view_closed`` when the view asked for it (``notify_on_close``)."""
        stack = self.modal_stacks.get(user_id, [])
        if view_id not in stack:
            raise BlockNotFound(f"modal {view_id} is not open for {user_id}")
        closed = self._close(user_id, list(stack))
        self.changed()
        top = closed[0] if closed else None
        if top is not None and top.get("notify_on_close"):
            await self._send(
                self.emulator.send_view_closed(
                    top, user_id=user_id, is_cleared=len(closed) > 1, timeout=ENVELOPE_TIMEOUT
                )
            )

    # ------------------------------------------------------------------ workspace actions

    def add_action(
        self, key: str, label: str, run: Callable[[], Awaitable[str]], description: str = ""
    ) -> None:
        """Offers ``run`` on the page as ``label`` (``key`` names it in the page's requests).

        It runs in (a copy of) the context of the caller, as a task the caller started would:
        context variables set there, such as an open database, are set for it too."""
        self.actions[key] = WorkspaceAction(key, label, run, description)
        self.changed()

    def start_action(self, key: str) -> WorkspaceAction:
        """Starts the action in the background (once at a time); the page hears how it went."""
        action = self.actions[key]
        if action.running:
            return action
        action.running, action.result, action.failed = True, "", False
        action.task = asyncio.create_task(
            self._run_action(action), name=f"workspace-{key}", context=action.context.copy()
        )
        self.changed()
        return action

    async def _run_action(self, action: WorkspaceAction) -> None:
        began = time.perf_counter()
        try:
            result = await action.run()
        except Exception as exc:
            log.exception("workspace action %r failed", action.key)
            action.result, action.failed = f"failed: {type(exc).__name__}: {exc}", True
        else:
            action.result = f"{result} ({time.perf_counter() - began:.1f} s)"
        finally:
            action.running = False
            action.runs += 1
            self.changed()

    async def stop(self) -> None:
        """Ends the event streams and cancels the actions still running."""
        self.closed = True
        self.changed()
        tasks = [a.task for a in self.actions.values() if a.task is not None and not a.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _shown_view(view: dict[str, Any]) -> dict[str, Any]:
    return {**view, "blocks": with_block_ids(list(view.get("blocks") or []), str(view["id"]))}


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")
