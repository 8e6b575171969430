"""A local Slack workspace for tests and the demo: Web API, Socket Mode and response_url.

It speaks the wire protocol slack_sdk uses (docs/slack-surface.md), so the bot under test runs its
real code paths: ``auth.test`` and ``apps.connections.open`` over HTTP, then a Socket Mode
websocket that gets ``hello``, envelopes and ``disconnect`` and sends acks back. As on Slack,
the URL ``apps.connections.open`` gives is a ticket: good for one connect attempt and only
for ``ticket_lifetime`` seconds; a refused connect gets HTTP 401 before any websocket.
Likewise every ``trigger_id`` it hands out (slash commands, clicks, submissions, shortcuts)
can be exchanged once, within ``trigger_lifetime`` seconds (3 s, as on Slack), by
``views.open`` or ``views.push``; otherwise those answer ``expired_trigger_id``,
``exchanged_trigger_id`` or ``invalid_trigger_id`` and the refusal counts as a violation
(a call refused for its arguments, e.g. a view over the limits, leaves the trigger unused).
Both lifetimes are measured on ``clock``, so tests advance a fake clock instead of sleeping.
Sign in with Slack (the authorize page, ``openid.connect.token`` and ``openid.connect.userInfo``)
is played by :mod:`bot.emulators.slack_openid`; set :attr:`SlackEmulator.oidc_signed_in_user`
to have the authorize page sign that member in without asking.
Every Web API call (and every ``response_url`` POST, recorded as method ``"response_url"``)
is kept in :attr:`SlackEmulator.calls`. Tests drive it through ``send_*`` and ``wait_for_*``
coroutines, which wait on futures with timeouts, never on sleeps.
``/workspace`` is a browser page where a person plays any member (the demo's way to try the
bot): :mod:`bot.emulators.slack_workspace` keeps what a member's client shows, told of every
call that succeeded through :attr:`SlackEmulator.observers`, and turns what they do there into
these same ``send_*`` envelopes.

Usage::

    emu = SlackEmulator()
    await emu.start()
    settings = ... SLACK_API_URL=emu.api_url, SLACK_BOT_TOKEN=emu.bot_token ...
    ack = await emu.send_slash_command("/flex-hours", user_id="U1")
    await emu.stop()
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import itertools
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from aiohttp import WSMsgType, web

from bot.emulators import slack_limits
from bot.emulators.slack_openid import AUTHORIZE_PATH, SlackOpenId
from bot.emulators.slack_workspace import SlackWorkspace
from bot.emulators.slack_workspace_web import add_workspace_routes

DEFAULT_BOT_TOKEN = "xoxb-emulated-bot-token"
DEFAULT_APP_TOKEN = "xapp-emulated-app-token"
DEFAULT_PAGE_SIZE = 100
DEFAULT_TICKET_LIFETIME = 30.0  # seconds a Socket Mode URL stays good
DEFAULT_TRIGGER_LIFETIME = 3.0  # seconds a trigger_id stays good
EVENT_RETRY_DELAYS = (0.0, 60.0, 300.0)  # Slack's retries of an unacked event: now, +1, +5 min
TRIGGER_METHODS = frozenset({"views.open", "views.push"})  # the methods that exchange one
VIEW_STACK_DEPTH = 3  # a modal and at most two views pushed onto it

ApiObserver = Callable[[str, dict[str, Any], dict[str, Any]], None]
"""Called with (method, arguments, result) of a call the emulator took."""


@dataclass
class ApiCall:
    """One request the emulator received."""

    method: str
    args: dict[str, Any]
    at: float  # time.monotonic()
    token: str | None = None


class SlashCommandFields(TypedDict, total=False):
    """Who sends a slash command from where (:meth:`SlackEmulator.slash_command_payload`'s
    keyword arguments)."""

    user_id: str
    user_name: str
    channel_id: str
    channel_name: str
    response_url: str | None


@dataclass
class Ack:
    """The bot's answer to one envelope."""

    envelope_id: str
    payload: dict[str, Any] | None
    latency: float  # seconds from sending the envelope to receiving the ack
    connection: int = 0  # the number of the connection that acked it (1: the first accepted)


@dataclass
class _Fault:
    status: int
    error: str
    retry_after: int | None
    after: int  # calls of the method that still succeed before this one fails
    handled: bool = False  # the call takes effect, then the error is answered


@dataclass
class _Trigger:
    issued: float  # clock() when the emulator sent it
    view_id: str | None  # the modal it came from (a click or submission in a view), if any
    user_id: str | None = None  # whose interaction it came with: a modal opens for them
    exchanged: bool = False


@dataclass
class _Connection:
    number: int
    ws: web.WebSocketResponse
    request: web.Request | None = None  # to cut its TCP connection (drop_connections)


@dataclass
class Hold:
    """Calls the emulator holds (:meth:`SlackEmulator.hold_call`): each is handled (a message
    is posted) and its answer kept back until :meth:`release`. ``reached`` is set when the
    first one is held; ``held`` counts them."""

    reached: asyncio.Event
    released: asyncio.Event
    held: int = 0

    def release(self) -> None:
        self.released.set()


@dataclass
class _HoldRule:
    hold: Hold
    after: int  # calls of the method that still answer before the hold begins


@dataclass
class EventDelivery:
    """One event as :meth:`SlackEmulator.deliver_event` delivered it: every envelope sent for
    it (the first and Slack's retries) and the ack that ended it (None: never acked)."""

    event_id: str
    envelopes: list[str]
    ack: Ack | None


class SlackEmulator:
    """An aiohttp server on 127.0.0.1 (port 0 by default) that plays one Slack workspace."""

    def __init__(
        self,
        *,
        bot_tokens: Iterable[str] = (DEFAULT_BOT_TOKEN,),
        app_tokens: Iterable[str] = (DEFAULT_APP_TOKEN,),
        team_id: str = "T0EMULATED",
        team_domain: str = "emulated",
        app_id: str = "A0FINANCEBOT",
        bot_user_id: str = "U0FINANCEBOT",
        bot_id: str = "B0FINANCEBOT",
        seed: int = 0,
        ticket_lifetime: float = DEFAULT_TICKET_LIFETIME,
        trigger_lifetime: float = DEFAULT_TRIGGER_LIFETIME,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot_tokens = set(bot_tokens)
        self.app_tokens = set(app_tokens)
        self.team_id = team_id
        self.team_domain = team_domain
        self.app_id = app_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.calls: list[ApiCall] = []
        self.acks: list[Ack] = []
        self.users: list[dict[str, Any]] = []
        self.channels: list[dict[str, Any]] = []
        self.page_size = DEFAULT_PAGE_SIZE
        self.home_views: dict[str, dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        # Messages the bot posted, by (channel, ts), as chat.update left them.
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.connections_opened = 0
        self.ticket_lifetime = ticket_lifetime
        self.trigger_lifetime = trigger_lifetime
        self.socket_refusals: list[str] = []  # why each refused websocket connect was refused
        # What Slack would have rejected: "<method or ack>: <error>"; running_bot fails on any.
        self.violations: list[str] = []
        self._clock = clock
        self._tickets: dict[str, float] = {}  # unused ticket → when it was issued
        self._triggers: dict[str, _Trigger] = {}
        self._connects_to_refuse = 0
        self._random = random.Random(seed)
        self._ids = itertools.count(1)
        self._faults: dict[str, list[_Fault]] = {}
        self._holds: dict[str, list[_HoldRule]] = {}
        self.envelopes_sent: list[str] = []  # every envelope id, in the order sent
        self._connections: list[_Connection] = []
        # The connection the current task's envelopes go to (delivering_to), else None: random.
        self._deliver_to: contextvars.ContextVar[int | None] = contextvars.ContextVar(
            "deliver_to", default=None
        )
        self._pending_acks: dict[str, asyncio.Future[Ack]] = {}
        self._sent_at: dict[str, float] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.base_url = ""
        self.openid = SlackOpenId(team_id=team_id, members=lambda: self.users, clock=clock)
        # Told of every Web API call that succeeded and every response_url post taken.
        self.observers: list[ApiObserver] = []
        self.workspace = SlackWorkspace(self)  # the browser page at /workspace

    # ------------------------------------------------------------------ lifecycle

    @property
    def bot_token(self) -> str:
        return sorted(self.bot_tokens)[0]

    @property
    def app_token(self) -> str:
        return sorted(self.app_tokens)[0]

    @property
    def api_url(self) -> str:
        """The value for SLACK_API_URL."""
        return f"{self.base_url}/api/"

    @property
    def openid_authorize_url(self) -> str:
        """The value for SLACK_OPENID_AUTHORIZE_URL."""
        return f"{self.base_url}{AUTHORIZE_PATH}"

    @property
    def oidc_client_id(self) -> str:
        """The value for SLACK_CLIENT_ID."""
        return self.openid.client_id

    @property
    def oidc_client_secret(self) -> str:
        """The value for SLACK_CLIENT_SECRET."""
        return self.openid.client_secret

    @property
    def oidc_signed_in_user(self) -> str | None:
        """The member the authorize page signs in without asking (None: it shows a list)."""
        return self.openid.signed_in_user

    @oidc_signed_in_user.setter
    def oidc_signed_in_user(self, user_id: str | None) -> None:
        self.openid.signed_in_user = user_id

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application()
        app.router.add_get(AUTHORIZE_PATH, self.openid.handle_authorize)
        app.router.add_post(AUTHORIZE_PATH, self.openid.handle_authorize)
        app.router.add_post("/api/{method}", self._handle_api)
        app.router.add_get("/api/{method}", self._handle_api)
        app.router.add_get("/socket-mode", self._handle_socket)
        app.router.add_post("/response-url/{id}", self._handle_response_url)
        app.router.add_get("/try/flex-hours", self._handle_try_flex_hours)
        app.router.add_get("/try/app-home", self._handle_try_app_home)
        add_workspace_routes(app, self.workspace)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, host, port)
        await self._site.start()
        server = self._site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        bound_port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.base_url = f"http://{host}:{bound_port}"

    async def stop(self) -> None:
        await self.workspace.stop()
        for rules in self._holds.values():
            for rule in rules:
                rule.hold.release()
        for conn in list(self._connections):
            await conn.ws.close()
        for future in self._pending_acks.values():
            future.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ directory fixtures

    def add_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        real_name: str = "",
        name: str | None = None,
        deleted: bool = False,
        is_bot: bool = False,
    ) -> dict[str, Any]:
        """Adds a workspace member as users.list / users.info return it."""
        profile: dict[str, Any] = {"real_name": real_name, "display_name": name or ""}
        if email is not None:
            profile["email"] = email
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name or user_id.lower(),
            "real_name": real_name,
            "deleted": deleted,
            "is_bot": is_bot,
            "is_app_user": False,
            "profile": profile,
        }
        self.users.append(user)
        return user

    def add_channel(
        self, channel_id: str, name: str, *, archived: bool = False, private: bool = False
    ) -> dict[str, Any]:
        channel = {
            "id": channel_id,
            "name": name,
            "is_channel": not private,
            "is_group": private,
            "is_private": private,
            "is_archived": archived,
            "is_member": False,
        }
        self.channels.append(channel)
        return channel

    # ------------------------------------------------------------------ faults

    def fail_once(
        self,
        method: str,
        *,
        status: int = 429,
        error: str = "ratelimited",
        retry_after: int = 0,
        after: int = 0,
        handled: bool = False,
    ) -> None:
        """One call of ``method`` (the next, or the one after ``after`` more) gets this error.

        A 429 comes with Retry-After; any status answers ``{"ok": false, "error": error}``.
        ``handled``: the call takes effect first (a message is posted), as when Slack answers
        a 5xx after doing the work, so a client that retries it does it twice.
        """
        self._faults.setdefault(method, []).append(
            _Fault(
                status=status,
                error=error,
                retry_after=retry_after if status == 429 else None,
                after=after,
                handled=handled,
            )
        )

    def refuse_socket_connects(self, n: int = 1) -> None:
        """The next ``n`` websocket connects are refused (HTTP 401), using up their tickets."""
        self._connects_to_refuse += n

    def accept_socket_connects(self) -> None:
        """Websocket connects are accepted again (the refusals not yet used up are dropped)."""
        self._connects_to_refuse = 0

    def hold_call(self, method: str, *, after: int = 0) -> Hold:
        """From the call of ``method`` after ``after`` more on, each is handled and its answer
        held until the returned :class:`Hold` is released (or the emulator stops): a post that
        Slack made but whose answer has not reached the bot, when a replica dies right then."""
        hold = Hold(reached=asyncio.Event(), released=asyncio.Event())
        self._holds.setdefault(method, []).append(_HoldRule(hold, after))
        return hold

    async def _hold_if_asked(self, method: str) -> None:
        rules = self._holds.get(method)
        if not rules:
            return
        rule = rules[0]
        if rule.after > 0:
            rule.after -= 1
            return
        rule.hold.held += 1
        rule.hold.reached.set()
        await rule.hold.released.wait()

    async def drop_connections(self, *, abort: bool = True) -> int:
        """Drops every Socket Mode connection without a ``disconnect`` message; returns how
        many. ``abort``: the TCP connection is cut (a lost network, a Slack host gone), else
        the websocket is closed with a close frame."""
        dropped = list(self._connections)
        for conn in dropped:
            await self._drop(conn, abort=abort)
        return len(dropped)

    async def _drop(self, conn: _Connection, *, abort: bool) -> None:
        transport = conn.request.transport if conn.request is not None else None
        if abort and transport is not None:
            transport.abort()
        else:
            await conn.ws.close()
        async with self._changed:
            if conn in self._connections:
                self._connections.remove(conn)
            self._changed.notify_all()

    def acks_per_envelope(self) -> Counter[str]:
        """How many acks each envelope got (an envelope acked twice is a bot bug)."""
        return Counter(ack.envelope_id for ack in self.acks)

    # ------------------------------------------------------------------ queries for tests

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    async def wait_for_call(
        self,
        method: str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        where: Callable[[ApiCall], bool] | None = None,
        after: int = 0,
    ) -> ApiCall:
        """The first call of ``method`` (index ≥ ``after``, matching ``where``), once it arrives."""

        def found() -> ApiCall | None:
            for call in self.calls[after:]:
                if call.method == method and (where is None or where(call)):
                    return call
            return None

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout)
            except TimeoutError:
                seen = sorted({c.method for c in self.calls})
                raise TimeoutError(f"no {method} call within {timeout}s (seen: {seen})") from None
        call = found()
        assert call is not None
        return call

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    async def wait_for_connections(
        self,
        count: int = 1,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: len(self._connections) >= count), timeout
                )
            except TimeoutError:
                raise TimeoutError(
                    f"{len(self._connections)} Socket Mode connection(s) after {timeout}s, "
                    f"wanted {count}"
                ) from None

    async def wait_for_connections_opened(
        self,
        count: int,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        """Waits until ``count`` websockets have been accepted since start (reconnects count)."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(
                    lambda: self.connections_opened >= count and bool(self._connections)
                ),
                timeout,
            )

    # ------------------------------------------------------------------ envelopes

    async def send_envelope(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        timeout: float = 3.0,  # noqa: ASYNC109
        extra: dict[str, Any] | None = None,
    ) -> Ack:
        """Delivers one envelope to one open connection (picked at random) and waits for its ack."""
        await self.wait_for_connections(1, timeout=timeout)
        envelope = _envelope(
            envelope_type, payload, accepts_response_payload=accepts_response_payload, extra=extra
        )
        envelope_id = envelope["envelope_id"]
        conn = self._connection_for_envelope()
        with self._awaiting_ack(envelope_id) as acked:
            await self._send_on(conn, envelope)
            try:
                return await asyncio.wait_for(asyncio.shield(acked), timeout)
            except TimeoutError:
                raise TimeoutError(
                    f"{envelope_type} envelope {envelope_id} was not acked within {timeout}s"
                ) from None

    @contextmanager
    def _awaiting_ack(self, envelope_id: str) -> Iterator[asyncio.Future[Ack]]:
        """A future the ack of envelope ``envelope_id`` settles while the block runs (an ack
        that comes later is only recorded); its latency is measured from entering the block,
        so enter it just before sending the envelope."""
        future: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self._pending_acks[envelope_id] = future
        self._sent_at[envelope_id] = time.monotonic()
        try:
            yield future
        finally:
            self._pending_acks.pop(envelope_id, None)
            self._sent_at.pop(envelope_id, None)

    async def _send_on(self, conn: _Connection, envelope: dict[str, Any]) -> None:
        """Sends ``envelope`` down ``conn``, kept in :attr:`envelopes_sent`."""
        self.envelopes_sent.append(envelope["envelope_id"])
        await conn.ws.send_str(json.dumps(envelope))

    @property
    def connection_numbers(self) -> list[int]:
        """The open Socket Mode connections, oldest first, by number (1: the first accepted;
        a reconnect gets a new number)."""
        return [conn.number for conn in self._connections]

    @contextmanager
    def delivering_to(self, number: int) -> Iterator[None]:
        """Envelopes this task sends inside the block go to connection ``number`` instead of
        one picked at random, e.g. a click to one replica and its modal's submission to
        another."""
        token = self._deliver_to.set(number)
        try:
            yield
        finally:
            self._deliver_to.reset(token)

    def _connection_for_envelope(self) -> _Connection:
        """As Slack does, each envelope goes to one of the app's open connections, picked at
        random, unless :meth:`delivering_to` names one."""
        number = self._deliver_to.get()
        if number is None:
            return self._random.choice(self._connections)
        for conn in self._connections:
            if conn.number == number:
                return conn
        raise LookupError(
            f"no open Socket Mode connection {number} (open: {self.connection_numbers})"
        )

    def response_url(self) -> str:
        return f"{self.base_url}/response-url/{next(self._ids)}"

    def trigger_id(self, view_id: str | None = None, user_id: str | None = None) -> str:
        """A new trigger_id, as sent with an interaction (inside the modal ``view_id``, if given)
        of ``user_id``.

        It is good for one ``views.open`` / ``views.push`` within ``trigger_lifetime`` seconds.
        """
        trigger = f"{next(self._ids)}.{self._random.randrange(10**9)}.trigger"
        self._triggers[trigger] = _Trigger(issued=self._clock(), view_id=view_id, user_id=user_id)
        return trigger

    def trigger_user(self, trigger_id: str) -> str | None:
        """The user whose interaction ``trigger_id`` came with (a modal opened with it is
        theirs), or None."""
        trigger = self._triggers.get(trigger_id)
        return trigger.user_id if trigger is not None else None

    async def send_slash_command(
        self,
        command: str,
        text: str = "",
        *,
        timeout: float = 3.0,  # noqa: ASYNC109
        **fields: Unpack[SlashCommandFields],
    ) -> Ack:
        """A slash command, its payload made by :meth:`slash_command_payload` from ``fields``;
        ``response_url``: one made by :meth:`response_url` beforehand (the caller then knows
        where the bot's later replies come from)."""
        payload = self.slash_command_payload(command, text, **fields)
        return await self.send_envelope(
            "slash_commands", payload, accepts_response_payload=True, timeout=timeout
        )

    def slash_command_payload(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = "U0EMPLOYEE",
        user_name: str = "employee",
        channel_id: str = "C0GENERAL",
        channel_name: str = "general",
        response_url: str | None = None,
    ) -> dict[str, Any]:
        """A slash command's payload (a fresh ``response_url`` unless given, a fresh
        ``trigger_id``)."""
        return {
            "token": "verification-token-unused",
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or self.response_url(),
            "trigger_id": self.trigger_id(user_id=user_id),
        }

    async def send_envelope_and_drop(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = True,
        timeout: float = 3.0,  # noqa: ASYNC109
    ) -> str:
        """Sends one envelope and cuts its connection the moment it is out, so that its ack
        cannot come back (Slack then never sends a command or a click again); returns its id."""
        await self.wait_for_connections(1, timeout=timeout)
        envelope = _envelope(
            envelope_type, payload, accepts_response_payload=accepts_response_payload
        )
        conn = self._connection_for_envelope()
        await self._send_on(conn, envelope)
        await self._drop(conn, abort=True)
        return envelope["envelope_id"]

    def _user_field(self, user_id: str) -> dict[str, Any]:
        member = next((u for u in self.users if u["id"] == user_id), None)
        name = str(member["name"]) if member else user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _interaction(self, interaction_type: str, user_id: str) -> dict[str, Any]:
        """What a click's, a submission's and a closed modal's payload start with: the type
        and who sent it from where (a shortcut's payload has no ``api_app_id``)."""
        return {
            "type": interaction_type,
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": self._user_field(user_id),
            "api_app_id": self.app_id,
            "token": "verification-token-unused",
        }

    async def send_block_action(
        self,
        action_id: str,
        value: str = "",
        *,
        user_id: str = "U0EMPLOYEE",
        block_id: str = "actions",
        channel_id: str = "D0EMPLOYEE",
        message_ts: str = "1700000000.000100",
        view: dict[str, Any] | None = None,
        action_type: str = "button",
        message: dict[str, Any] | None = None,
        is_ephemeral: bool = False,
        channel_name: str = "directmessage",
        response_url: str | None = None,
        action_fields: dict[str, Any] | None = None,
        timeout: float = 3.0,  # noqa: ASYNC109
    ) -> Ack:
        """A button click in a message (or, with ``view``, inside a modal or App Home).

        ``message``: the message clicked, as Slack sends it (a stub otherwise; none for an
        ephemeral one, as on Slack); ``action_fields``: more of the action (the button's
        ``text``, a menu's ``selected_option`` …); ``response_url``: see
        :meth:`send_slash_command`.
        """
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "type": action_type,
            "action_ts": f"{time.time():.6f}",
        }
        if value or action_type == "button":  # menus send selected_option(s) instead
            action["value"] = value
        action.update(action_fields or {})
        payload: dict[str, Any] = {
            **self._interaction("block_actions", user_id),
            "trigger_id": self.trigger_id(
                self._shown_view(view)["id"] if view else None, user_id=user_id
            ),
            "actions": [action],
        }
        if view is None:
            payload["container"] = {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": is_ephemeral,
            }
            payload["channel"] = {"id": channel_id, "name": channel_name}
            if not is_ephemeral:
                payload["message"] = message or {
                    "type": "message",
                    "ts": message_ts,
                    "text": "",
                    "blocks": [],
                }
            payload["response_url"] = response_url or self.response_url()
        else:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V0MODAL")}
            payload["view"] = view
        return await self.send_envelope(
            "interactive", payload, accepts_response_payload=False, timeout=timeout
        )

    async def send_view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, dict[str, Any]]] | None = None,
        *,
        user_id: str = "U0EMPLOYEE",
        private_metadata: str | None = None,
        view_id: str = "V0MODAL",
        timeout: float = 3.0,  # noqa: ASYNC109
    ) -> Ack:
        """A modal submission; ``values`` is ``state.values`` (block_id → action_id → value).

        When ``view_id`` names a view the bot opened, the submission is that view as Slack
        sends it: its blocks and private_metadata (unless given), and a state for every input
        block, untouched ones holding their initial values; ``values`` are what the person
        changed. The ack is checked as Slack checks it: ``response_action: errors`` must name
        input blocks of the view, and a ``response_action: update`` replaces the view.
        """
        shown = self._shown_view({"id": view_id, "type": "modal", "callback_id": callback_id})
        blocks = shown.get("blocks") or []
        state = {**_initial_state(blocks), **(values or {})}
        if private_metadata is None:
            private_metadata = str(shown.get("private_metadata") or "")
        payload = {
            **self._interaction("view_submission", user_id),
            "trigger_id": self.trigger_id(view_id, user_id=user_id),
            "view": {
                "id": view_id,
                "team_id": self.team_id,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "state": {"values": state},
                "hash": f"{next(self._ids)}.hash",
                "title": shown.get("title") or {"type": "plain_text", "text": "Modal"},
                "blocks": blocks,
                "app_id": self.app_id,
                "bot_id": self.bot_id,
            },
            "response_urls": [],
        }
        ack = await self.send_envelope(
            "interactive", payload, accepts_response_payload=True, timeout=timeout
        )
        answer = ack.payload or {}
        if answer.get("response_action") == "errors" and blocks:
            inputs = {b.get("block_id") for b in blocks if b.get("type") == "input"}
            self.violations += [
                f"ack: errors name {block!r}, not an input block of view {view_id}"
                for block in answer.get("errors") or {}
                if block not in inputs
            ]
        if answer.get("response_action") == "update" and isinstance(answer.get("view"), dict):
            self.store_view(
                answer["view"],
                view_id,
                root_view_id=shown.get("root_view_id"),
                previous_view_id=shown.get("previous_view_id"),
            )
        return ack

    async def send_view_closed(
        self,
        view: dict[str, Any],
        *,
        user_id: str = "U0EMPLOYEE",
        is_cleared: bool = False,
        timeout: float = 3.0,  # noqa: ASYNC109
    ) -> Ack:
        """A modal closed by its person (sent for views with ``notify_on_close``)."""
        payload = {
            **self._interaction("view_closed", user_id),
            "view": view,
            "is_cleared": is_cleared,
        }
        return await self.send_envelope(
            "interactive", payload, accepts_response_payload=False, timeout=timeout
        )

    async def send_shortcut(
        self,
        callback_id: str,
        *,
        user_id: str = "U0EMPLOYEE",
        timeout: float = 3.0,  # noqa: ASYNC109
    ) -> Ack:
        """A global shortcut (the lightning-bolt menu); its trigger_id can open a modal."""
        payload = {
            "type": "shortcut",
            "token": "verification-token-unused",
            "action_ts": f"{time.time():.6f}",
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": self._user_field(user_id),
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self.trigger_id(user_id=user_id),
        }
        return await self.send_envelope(
            "interactive", payload, accepts_response_payload=False, timeout=timeout
        )

    async def send_event(
        self,
        event: dict[str, Any],
        *,
        retry_attempt: int = 0,
        timeout: float = 3.0,  # noqa: ASYNC109
        ext_shared_channel: bool = False,
    ) -> Ack:
        """An Events API callback wrapping ``event`` (e.g. app_home_opened, link_shared);
        ``ext_shared_channel``: it happened in a Slack Connect conversation."""
        payload = self.event_payload(event, ext_shared_channel=ext_shared_channel)
        return await self.send_envelope(
            "events_api",
            payload,
            accepts_response_payload=False,
            timeout=timeout,
            extra=_event_retry(retry_attempt),
        )

    def event_payload(
        self, event: dict[str, Any], *, ext_shared_channel: bool = False
    ) -> dict[str, Any]:
        """The ``event_callback`` payload of an envelope carrying ``event`` (a new event id)."""
        event_id = f"Ev{next(self._ids):08d}"
        return {
            "token": "verification-token-unused",
            "team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": {"event_ts": f"{time.time():.6f}", **event},
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": ext_shared_channel,
        }

    async def deliver_event(
        self,
        event: dict[str, Any],
        *,
        retry_delays: tuple[float, ...] = EVENT_RETRY_DELAYS,
        ack_timeout: float = 3.0,
        drop_first: bool = False,
        connect_timeout: float = 30.0,
    ) -> EventDelivery:
        """Delivers ``event`` as Slack's Events API does over Socket Mode: an envelope that is
        not acked within ``ack_timeout`` is sent again, as a new envelope of the same event
        (same ``event_id``) with ``retry_attempt`` 1, 2, 3 and ``retry_reason`` "timeout",
        after each of ``retry_delays`` (Slack's: at once, a minute, five minutes; tests pass
        shorter ones), each to one open connection at random (or as :meth:`delivering_to`
        says). ``drop_first``: the connection
        that gets the first envelope is cut the moment it is sent, so its ack cannot come
        back. Slack retries only events: slash commands and clicks are never sent twice."""
        payload = self.event_payload(event)
        delivery = EventDelivery(event_id=payload["event_id"], envelopes=[], ack=None)
        for attempt in range(len(retry_delays) + 1):
            if attempt:
                await asyncio.sleep(retry_delays[attempt - 1])
            await self.wait_for_connections(1, timeout=connect_timeout)
            envelope = _envelope(
                "events_api", payload, accepts_response_payload=False, extra=_event_retry(attempt)
            )
            delivery.envelopes.append(envelope["envelope_id"])
            with self._awaiting_ack(envelope["envelope_id"]) as acked:
                conn = self._connection_for_envelope()
                try:
                    await self._send_on(conn, envelope)
                    if drop_first and attempt == 0:
                        await self._drop(conn, abort=True)
                    delivery.ack = await asyncio.wait_for(asyncio.shield(acked), ack_timeout)
                    return delivery
                except (TimeoutError, ConnectionError):
                    continue
        return delivery

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Asks every connected client to reconnect (slack_sdk then opens a fresh URL)."""
        for conn in list(self._connections):
            await conn.ws.send_str(
                json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "emu"}})
            )

    # ------------------------------------------------------------------ HTTP handlers

    async def _record(self, method: str, args: dict[str, Any], token: str | None) -> ApiCall:
        call = ApiCall(method=method, args=args, at=time.monotonic(), token=token)
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return call

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    @staticmethod
    async def _read_args(request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    args.update(body)
            else:
                form = await request.post()
                args.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key, value in list(args.items()):
            # Form-encoded bodies carry blocks, views, unfurls … as JSON text.
            if isinstance(value, str) and value[:1] in ("[", "{"):
                try:
                    args[key] = json.loads(value)
                except ValueError:
                    pass
        return args

    @staticmethod
    def _token_of(request: web.Request, args: dict[str, Any]) -> str | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return header[len("Bearer ") :].strip()
        token = args.pop("token", None)
        return str(token) if token is not None else None

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._read_args(request)
        token = self._token_of(request, args)
        await self._record(method, args, token)

        faults = self._faults.get(method)
        fault: _Fault | None = None
        if faults and faults[0].after > 0:
            faults[0].after -= 1
        elif faults:
            fault = faults.pop(0)
            if not fault.handled:
                return self._fault_response(fault)

        if method == "openid.connect.token":  # client credentials instead of a token
            authorization = request.headers.get("Authorization", "")
            return web.json_response(self.openid.token(args, authorization))
        if method == "openid.connect.userInfo":  # the signed-in user's access token
            return web.json_response(self.openid.user_info(token))

        valid = self.app_tokens if method == "apps.connections.open" else self.bot_tokens
        if token is None:
            return web.json_response({"ok": False, "error": "not_authed"})
        if token not in valid:
            return web.json_response({"ok": False, "error": "invalid_auth"})

        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        rejection = self._rejection(method, args)
        if rejection is not None:
            metadata = rejection.get("response_metadata", {})
            messages = rejection.get("errors") or metadata.get("messages") or ["-"]
            self.violations += [f"{method}: {rejection['error']}: {m}" for m in messages]
            return web.json_response(rejection)
        if method in TRIGGER_METHODS:
            refusal = self._trigger_refusal(str(args["trigger_id"]))
            if refusal is not None:
                self.violations.append(f"{method}: {refusal}: {args['trigger_id']}")
                return web.json_response({"ok": False, "error": refusal})
        result: dict[str, Any] = handler(args)
        if result.get("ok"):
            self._tell_observers(method, args, result)
        await self._hold_if_asked(method)
        if fault is not None:  # handled, and still answered with an error
            return self._fault_response(fault)
        return web.json_response(result)

    @staticmethod
    def _fault_response(fault: _Fault) -> web.Response:
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        return web.json_response(
            {"ok": False, "error": fault.error}, status=fault.status, headers=headers
        )

    def _trigger_refusal(self, trigger_id: str) -> str | None:
        """Slack's error for exchanging ``trigger_id`` now, or None (and it is used up)."""
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            return "invalid_trigger_id"
        if trigger.exchanged:
            return "exchanged_trigger_id"
        if self._clock() - trigger.issued > self.trigger_lifetime:
            return "expired_trigger_id"
        trigger.exchanged = True
        return None

    @staticmethod
    def _rejection(method: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """Slack's answer to arguments it refuses (missing or over the limits), or None."""
        missing = slack_limits.missing_arguments(method, args)
        if method == "chat.postMessage" and missing:
            return {"ok": False, "error": "channel_not_found"}  # what Slack answers here
        if missing:
            messages = [f"[ERROR] missing required field: {name}" for name in missing]
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": messages},
            }
        if method.startswith("views."):
            errors = slack_limits.view_errors(args.get("view"))
            if errors:
                return {
                    "ok": False,
                    "error": "invalid_arguments",
                    "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
                }
            return None
        if method == "chat.unfurl":
            errors = slack_limits.unfurls_errors(args.get("unfurls"))
        elif method.startswith("chat.") and "blocks" in args:
            errors = slack_limits.message_errors(args["blocks"])
        else:
            return None
        if not errors:
            return None
        return {
            "ok": False,
            "error": "invalid_blocks",
            "errors": errors,
            "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
        }

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        args = await self._read_args(request)
        args["response_url_id"] = request.match_info["id"]
        await self._record("response_url", args, None)
        errors = slack_limits.message_errors(args["blocks"]) if "blocks" in args else []
        if errors:
            self.violations += [f"response_url: invalid_blocks: {e}" for e in errors]
            return web.Response(status=400, text="invalid_blocks")
        self._tell_observers("response_url", args, {"ok": True})
        return web.Response(text="ok")

    def _tell_observers(self, method: str, args: dict[str, Any], result: dict[str, Any]) -> None:
        for observer in self.observers:
            observer(method, args, result)

    async def _handle_try_flex_hours(self, request: web.Request) -> web.Response:
        """For the demo: sends /flex-hours as a user and shows what the bot answered."""
        user_id = request.query.get("user_id", "U0EMPLOYEE")
        text = request.query.get("text", "")
        start = len(self.calls)
        ack = await self.send_slash_command("/flex-hours", text, user_id=user_id)
        replies: list[Any] = []
        if ack.payload:
            replies.append(ack.payload)
        else:
            try:
                call = await self.wait_for_call(
                    "response_url",
                    after=start,
                    timeout=3.0,
                )
                replies.append(call.args)
            except TimeoutError:
                pass
        return web.json_response(
            {"acked_in_ms": round(ack.latency * 1000, 2), "user_id": user_id, "replies": replies}
        )

    async def _handle_try_app_home(self, request: web.Request) -> web.Response:
        """For the demo: opens the App Home tab as a user and shows the view the bot published."""
        user_id = request.query.get("user_id", "U0EMPLOYEE")
        start = len(self.calls)
        ack = await self.send_event(
            {"type": "app_home_opened", "user": user_id, "channel": "D0HOME", "tab": "home"}
        )
        view: Any = None
        try:
            call = await self.wait_for_call(
                "views.publish",
                after=start,
                timeout=5.0,
                where=lambda c: c.args.get("user_id") == user_id,
            )
            view = call.args.get("view")
        except TimeoutError:
            pass
        blocks = view.get("blocks", []) if isinstance(view, dict) else []
        return web.json_response(
            {
                "acked_in_ms": round(ack.latency * 1000, 2),
                "user_id": user_id,
                "texts": _block_texts(blocks),
                "view": view,
            }
        )

    def _ticket_refusal(self, ticket: str) -> str | None:
        """Why a connect with ``ticket`` is refused, or None; a ticket is used up either way."""
        issued = self._tickets.pop(ticket, None)
        if issued is None:
            return "unknown or used ticket"
        if self._clock() - issued > self.ticket_lifetime:
            return "expired ticket"
        if self._connects_to_refuse > 0:
            self._connects_to_refuse -= 1
            return "refused on request"
        return None

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        refusal = self._ticket_refusal(request.query.get("ticket", ""))
        if refusal is not None:
            async with self._changed:
                self.socket_refusals.append(refusal)
                self._changed.notify_all()
            return web.json_response({"ok": False, "error": refusal}, status=401)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections_opened += 1
        conn = _Connection(number=self.connections_opened, ws=ws, request=request)
        async with self._changed:
            self._connections.append(conn)
            self._changed.notify_all()
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len(self._connections),
                    "debug_info": {
                        "host": "emulator",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                }
            )
        )
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(message.data)
                except ValueError:
                    continue
                envelope_id = data.get("envelope_id") if isinstance(data, dict) else None
                if not envelope_id:
                    continue
                future = self._pending_acks.get(envelope_id)
                now = time.monotonic()
                latency = now - self._sent_at.get(envelope_id, now)
                ack = Ack(
                    envelope_id=envelope_id,
                    payload=data.get("payload"),
                    latency=latency,
                    connection=conn.number,
                )
                self.violations += [f"ack: {e}" for e in slack_limits.ack_errors(ack.payload)]
                self.acks.append(ack)
                if future is not None and not future.done():
                    future.set_result(ack)
        finally:
            async with self._changed:
                if conn in self._connections:
                    self._connections.remove(conn)
                self._changed.notify_all()
        return ws

    # ------------------------------------------------------------------ Web API methods

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _ts(self) -> str:
        return f"{time.time():.6f}"

    def _api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Emulated Workspace",
            "user": "financebot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _api_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        ws_base = self.base_url.replace("http://", "ws://", 1)
        ticket = str(uuid.uuid4())
        self._tickets[ticket] = self._clock()
        return {"ok": True, "url": f"{ws_base}/socket-mode?ticket={ticket}"}

    def _api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            return {"ok": False, "error": "no_text"}
        ts = self._ts()
        message = {
            "type": "message",
            "bot_id": self.bot_id,
            "user": self.bot_user_id,
            "text": args.get("text", ""),
            "blocks": args.get("blocks", []),
            "ts": ts,
        }
        metadata = args.get("metadata")
        if isinstance(metadata, dict):  # Slack keeps it, and shows it to conversations.history
            message["metadata"] = {
                "event_type": metadata.get("event_type", ""),
                "event_payload": metadata.get("event_payload", {}),
            }
        self.messages[(channel, ts)] = message
        shown = {key: value for key, value in message.items() if key != "metadata"}
        return {"ok": True, "channel": channel, "ts": ts, "message": shown}

    def _api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel") or not args.get("user"):
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "message_ts": self._ts()}

    def _api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        """Only a message the bot posted can be updated: Slack answers ``message_not_found``
        otherwise, e.g. for a DM named by a user id instead of its ``D…`` channel id."""
        key = (str(args.get("channel") or ""), str(args.get("ts") or ""))
        message = self.messages.get(key)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        if "text" in args:
            message["text"] = args["text"]
        if "blocks" in args:
            message["blocks"] = args["blocks"]
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message["text"]}

    def _api_chat_unfurl(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("unfurls"):
            return {"ok": False, "error": "invalid_unfurls"}
        return {"ok": True}

    def _shown_view(self, view: dict[str, Any]) -> dict[str, Any]:
        """The stored view a user is interacting with; one the emulator never saw is taken as
        open (tests click in modals they describe by hand), so views.update/push can find it."""
        view_id = str(view.get("id") or "V0MODAL")
        if view_id not in self.views:
            self.store_view(view, view_id)
        return self.views[view_id]

    def store_view(
        self,
        view: dict[str, Any],
        view_id: str | None = None,
        *,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
    ) -> dict[str, Any]:
        """The view object Slack answers with: the app's view plus Slack's own fields."""
        new_id = view_id or self._new_id("V")
        stored = {
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            **view,
            "id": new_id,
            "team_id": self.team_id,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._ids):08x}",
            "root_view_id": root_view_id or new_id,
            "previous_view_id": previous_view_id,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self.views[new_id] = stored
        return stored

    def _duplicate_external_id(self, view: dict[str, Any], view_id: str | None = None) -> bool:
        external_id = view.get("external_id")
        return bool(external_id) and any(
            v.get("external_id") == external_id and v["id"] != view_id for v in self.views.values()
        )

    def _api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args["view"]
        if self._duplicate_external_id(view):
            return {"ok": False, "error": "duplicate_external_id"}
        return {"ok": True, "view": self.store_view(view)}

    def _api_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        """Pushes onto the stack of the modal the trigger came from (a new stack otherwise)."""
        view = args["view"]
        if self._duplicate_external_id(view):
            return {"ok": False, "error": "duplicate_external_id"}
        origin = self.views.get(self._triggers[str(args["trigger_id"])].view_id or "")
        if origin is None:
            return {"ok": True, "view": self.store_view(view)}
        root = origin["root_view_id"]
        depth = sum(1 for v in self.views.values() if v.get("root_view_id") == root)
        if depth >= VIEW_STACK_DEPTH:
            return {"ok": False, "error": "push_limit_reached"}
        stored = self.store_view(view, root_view_id=root, previous_view_id=origin["id"])
        return {"ok": True, "view": stored}

    def _api_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args["view"]
        view_id = args.get("view_id")
        if not view_id:
            view_id = next(
                (
                    v["id"]
                    for v in self.views.values()
                    if v.get("external_id") == args["external_id"]
                ),
                None,
            )
        current = self.views.get(str(view_id or ""))
        if current is None:
            return {"ok": False, "error": "not_found"}
        if args.get("hash") and args["hash"] != current["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        if self._duplicate_external_id(view, current["id"]):
            return {"ok": False, "error": "duplicate_external_id"}
        stored = self.store_view(
            view,
            current["id"],
            root_view_id=current["root_view_id"],
            previous_view_id=current["previous_view_id"],
        )
        return {"ok": True, "view": stored}

    def _api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args["view"]
        user_id = str(args["user_id"])
        current = self.home_views.get(user_id)
        if args.get("hash") and current is not None and args["hash"] != current["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        stored = self.store_view(view, current["id"] if current else None)
        self.home_views[user_id] = stored
        return {"ok": True, "view": stored}

    def conversation_id(self, *users: str) -> str:
        """The id ``conversations.open`` gives for these users: the bot's DM with one person
        (``D…``) or a group DM (``G…``); the same users always get the same id."""
        key = "-".join(sorted(set(users))).encode()
        digest = base64.b32encode(key).decode().rstrip("=")[-9:]
        return ("D" if len(set(users)) == 1 else "G") + digest

    def _api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        raw = args.get("users", "")
        users = raw if isinstance(raw, list) else [u for u in str(raw).split(",") if u]
        users = sorted(set(users))
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(users) > 8:
            return {"ok": False, "error": "too_many_users"}
        return {
            "ok": True,
            "channel": {"id": self.conversation_id(*users), "is_im": len(users) == 1},
        }

    def _page(self, items: list[dict[str, Any]], args: dict[str, Any], key: str) -> dict[str, Any]:
        try:
            offset = int(base64.b64decode(str(args.get("cursor") or "b2Zmc2V0OjA=")).split(b":")[1])
            limit = int(args.get("limit") or 0)
        except (ValueError, IndexError):
            return {"ok": False, "error": "invalid_cursor"}
        size = min(limit or self.page_size, self.page_size)
        page = items[offset : offset + size]
        following = offset + size
        next_cursor = (
            base64.b64encode(f"offset:{following}".encode()).decode()
            if following < len(items)
            else ""
        )
        return {
            "ok": True,
            key: page,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _api_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """The bot's messages in ``channel``, newest first, between ``oldest`` and ``latest``
        (both left out unless ``inclusive``), paged; their metadata only with
        ``include_all_metadata``, as on Slack."""
        channel = str(args.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        try:
            oldest = float(args.get("oldest") or 0)
            latest = float(args.get("latest") or time.time() + 1)
        except ValueError:
            return {"ok": False, "error": "invalid_ts_oldest"}
        inclusive = _truthy(args.get("inclusive"))
        with_metadata = _truthy(args.get("include_all_metadata"))
        found = []
        for (where, ts), message in self.messages.items():
            at = float(ts)
            inside = oldest <= at <= latest if inclusive else oldest < at < latest
            if where == channel and inside:
                shown = (
                    message
                    if with_metadata
                    else {key: value for key, value in message.items() if key != "metadata"}
                )
                found.append(dict(shown))
        found.sort(key=lambda message: float(message["ts"]), reverse=True)
        page = self._page(found, args, "messages")
        if page.get("ok"):
            page["has_more"] = bool(page["response_metadata"]["next_cursor"])
        return page

    def _api_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._page(self.users, args, "members")

    def _api_conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        types = str(args.get("types") or "public_channel").split(",")
        exclude_archived = str(args.get("exclude_archived", "false")).lower() in ("1", "true")
        wanted = [
            c
            for c in self.channels
            if ("private_channel" if c["is_private"] else "public_channel") in types
            and not (exclude_archived and c["is_archived"])
        ]
        return self._page(wanted, args, "channels")

    def _api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        for user in self.users:
            if user["id"] == args.get("user"):
                return {"ok": True, "user": user}
        return {"ok": False, "error": "user_not_found"}

    def _api_users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email", "")).lower()
        for user in self.users:
            if str(user["profile"].get("email", "")).lower() == email and not user["deleted"]:
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}


def _envelope(
    envelope_type: str,
    payload: dict[str, Any],
    *,
    accepts_response_payload: bool,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Socket Mode envelope with a new id carrying ``payload`` (``extra``: more fields)."""
    return {
        "envelope_id": str(uuid.uuid4()),
        "type": envelope_type,
        "payload": payload,
        "accepts_response_payload": accepts_response_payload,
        **(extra or {}),
    }


def _event_retry(attempt: int) -> dict[str, Any]:
    """The fields saying which of Slack's retries an events envelope is (0: the first send)."""
    return {"retry_attempt": attempt, "retry_reason": "timeout" if attempt else ""}


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


def _initial_state(blocks: list[Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """``state.values`` of a view nobody has touched: every input block, with its element's
    initial value (Slack sends all input blocks, untouched ones too)."""
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for block in blocks:
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        element = block.get("element") or {}
        kind = element.get("type")
        state: dict[str, Any] = {"type": kind}
        if kind in ("checkboxes", "multi_static_select"):
            state["selected_options"] = list(element.get("initial_options") or [])
        elif kind in ("radio_buttons", "static_select"):
            state["selected_option"] = element.get("initial_option")
        else:
            state["value"] = element.get("initial_value")
        values[str(block.get("block_id"))] = {str(element.get("action_id")): state}
    return values


def _block_texts(blocks: list[Any]) -> list[str]:
    """The readable text of Block Kit blocks (headers, sections, fields, context), in order."""
    texts: list[str] = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        parts = [block.get("text"), *block.get("fields", []), *block.get("elements", [])]
        for part in parts:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
    return texts
