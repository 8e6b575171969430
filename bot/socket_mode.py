"""Socket Mode for the Bolt app: acks go out the moment a listener calls ``ack()``.

slack_bolt's own handler sends the ack only after dispatch returns (with
``process_before_response=True``) or after a 10 ms polling loop notices it (with ``False``).
Here ``ack()`` itself writes the envelope's answer to the websocket; the listener then goes
on in the envelope's task. Events are acked before dispatch (their ack carries nothing).
In-flight envelopes are tracked so a shutdown can let them finish. While an envelope is
handled, log lines carry its ``envelope_id`` as ``request_id``; a slash command is counted
in the metrics with how long it took, its listener's work after the ack included.

Connecting: a Socket Mode URL (from ``apps.connections.open``) is a single-use ticket that
expires. slack_sdk asks for one only when it has none, and retries a failed websocket connect
with the same URL forever; :class:`FreshTicketSocketModeClient` forgets the URL after every
attempt, so each attempt asks Slack for a new one.

An ack that cannot be sent (the websocket went down between the envelope and its answer; the
client reconnects by itself): Slack sends an event again, so an event whose ack failed is not
handled (the retry is, once). Slack never sends a command or a click again, so nothing of
those is dropped: the listener goes on, and an answer that was to travel in the ack (the
`/flex-hours` reply) goes to the request's ``response_url`` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from time import perf_counter, time
from typing import Any

from aiohttp import ClientSession
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import build_headers
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.webhook.async_client import AsyncWebhookClient

from core.observability.logs import request_context
from core.observability.metrics import observe_command

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0)
"""Seconds between failed connect attempts; the last one repeats."""


class FreshTicketSocketModeClient(SocketModeClient):
    """slack_sdk's aiohttp Socket Mode client, with a fresh URL for every connect attempt.

    Everything else (pings, ``disconnect`` envelopes, reconnecting after a lost session) is
    slack_sdk's own; its reconnection asks for a new URL and then calls :meth:`connect`.
    A failed attempt is logged as one line (no traceback) and retried after a short delay
    until it succeeds or the client is closed; ``last_connect_error`` says what went wrong.
    """

    last_connect_error: str = ""

    async def connect(self) -> None:  # type: ignore[override]
        attempt = 0
        while not self.closed:
            try:
                await self._connect_once()
                self.last_connect_error = ""
                return
            except Exception as exc:  # any failure is retried with a new URL
                if self.closed:
                    return
                self.last_connect_error = _one_line(exc)
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                attempt += 1
                log.warning(
                    "Socket Mode connect failed (%s); retrying with a new URL in %.1f s",
                    self.last_connect_error,
                    delay,
                )
                await asyncio.sleep(delay)
            finally:
                self.wss_uri = None  # a ticket is single-use: the next attempt asks anew

    async def _connect_once(self) -> None:
        """One attempt, as slack_sdk 3.x's ``connect`` makes it (URL, websocket, tasks)."""
        old_session = self.current_session
        self.auto_reconnect_enabled = False
        if old_session is not None:
            with contextlib.suppress(Exception):
                await old_session.close()
        if self.aiohttp_client_session.closed:
            self.aiohttp_client_session = ClientSession()
        if self.wss_uri is None:
            self.wss_uri = await self.issue_new_wss_url()
        self.current_session = await self.aiohttp_client_session.ws_connect(
            self.wss_uri,
            autoping=False,
            heartbeat=self.ping_interval,
            proxy=self.proxy,
            ssl=self.web_client.ssl if self.web_client.ssl is not None else True,
        )
        self.auto_reconnect_enabled = self.default_auto_reconnect_enabled
        self.stale = False
        log.debug("Socket Mode session %s established", await self.session_id())
        await self.current_session.ping(f"sdk-ping-pong:{time()}".encode())
        if self.current_session_monitor is not None:
            self.current_session_monitor.cancel()
        self.current_session_monitor = asyncio.ensure_future(self.monitor_current_session())
        if self.message_receiver is not None:
            self.message_receiver.cancel()
        self.message_receiver = asyncio.ensure_future(self.receive_messages())


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class EnvelopeAck(AsyncAck):
    """Bolt's ``ack`` that sends its response over the websocket as soon as it is called."""

    def __init__(self, send: Callable[[BoltResponse], Awaitable[None]]) -> None:
        super().__init__()
        self._send = send
        self.sent = False

    async def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:  # type: ignore[override]
        response = await super().__call__(*args, **kwargs)
        if not self.sent:
            self.sent = True
            await self._send(response)
        return response


async def answer_without_ack(
    req: SocketModeRequest, response: BoltResponse, exc: Exception
) -> None:
    """A command's or click's ack could not be sent (``exc``): Slack will not send it again, so
    a message the ack carried goes to the request's ``response_url``; the rest is logged."""
    message = _message_of(response)
    url = req.payload.get("response_url") if isinstance(req.payload, dict) else None
    if not message:
        log.warning("the ack of a %s could not be sent (%s); it carried nothing", req.type, exc)
        return
    if not isinstance(url, str) or not url:
        log.warning("the ack of a %s could not be sent (%s); its answer is lost", req.type, exc)
        return
    await AsyncWebhookClient(url).send_dict({"response_type": "ephemeral", **message})
    log.warning("the ack of a %s could not be sent (%s); answered by response_url", req.type, exc)


def _message_of(response: BoltResponse) -> dict[str, Any]:
    """The message an ack carries (text, blocks …), or {} (an empty ack, or a modal's answer)."""
    if response.status != 200 or not response.body:
        return {}
    content_type = response.headers.get("content-type", [""])[0]
    if not content_type.startswith("application/json"):
        return {"text": response.body}
    body = json.loads(response.body)
    if not isinstance(body, dict) or "response_action" in body:
        return {}
    return body


class ImmediateAckSocketModeHandler(AsyncSocketModeHandler):
    """AsyncSocketModeHandler (aiohttp, auto-reconnect on) with immediate acks.

    Its client is a :class:`FreshTicketSocketModeClient` talking to ``app.client``'s
    ``base_url`` (SLACK_API_URL) for ``apps.connections.open``.
    """

    client: FreshTicketSocketModeClient

    def __init__(self, app: AsyncApp, app_token: str, *, ping_interval: float = 10) -> None:
        # Not super().__init__: that builds slack_sdk's plain client, which starts a task.
        self.app = app
        self.app_token = app_token
        self.client = FreshTicketSocketModeClient(
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            ping_interval=ping_interval,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
        self.in_flight: set[asyncio.Task[Any]] = set()

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        task = asyncio.current_task()
        if task is not None:
            self.in_flight.add(task)
        began = perf_counter()
        try:
            with request_context(req.envelope_id):
                await self._dispatch(client, req)
        finally:
            if task is not None:
                self.in_flight.discard(task)
            if req.type == "slash_commands" and isinstance(req.payload, dict):
                observe_command(str(req.payload.get("command") or ""), perf_counter() - began)

    async def _dispatch(self, client: SocketModeClient, req: SocketModeRequest) -> None:
        start = time()

        async def send(response: BoltResponse) -> None:
            try:
                await send_async_response(client, req, response, start)
            except ConnectionError as exc:
                if req.type == "events_api":
                    raise  # Slack sends the event again: it is handled then
                await answer_without_ack(req, response, exc)

        ack = EnvelopeAck(send)
        if req.type == "events_api":
            try:
                await ack()
            except ConnectionError:
                log.warning("an event's ack could not be sent; Slack sends the event again")
                return
        bolt_req = AsyncBoltRequest(
            mode="socket_mode", body=req.payload, headers=build_headers(req)
        )
        bolt_req.context["ack"] = ack
        bolt_resp = await self.app.async_dispatch(bolt_req)
        if not ack.sent:
            ack.sent = True
            await send(bolt_resp)

    async def finish_in_flight(self, grace: float) -> int:
        """Waits up to ``grace`` seconds for envelopes being handled; cancels the rest.

        Returns how many were abandoned.
        """
        pending = {t for t in self.in_flight if t is not asyncio.current_task()}
        if not pending:
            return 0
        _, still = await asyncio.wait(pending, timeout=grace)
        for task in still:
            task.cancel()
        if still:
            log.warning("abandoned %d Slack request(s) still running at shutdown", len(still))
        return len(still)
