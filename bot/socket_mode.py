"""Socket Mode for the Bolt app: acks go out the moment a listener calls ``ack()``.

slack_bolt's own handler sends the ack only after dispatch returns (with
``process_before_response=True``) or after a 10 ms polling loop notices it (with ``False``).
Here ``ack()`` itself writes the envelope's answer to the websocket; the listener then goes
on in the envelope's task. Events are acked before dispatch (their ack carries nothing).
In-flight envelopes are tracked so a shutdown can let them finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from time import time
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import build_headers
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

log = logging.getLogger(__name__)


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


class ImmediateAckSocketModeHandler(AsyncSocketModeHandler):
    """AsyncSocketModeHandler (aiohttp, auto-reconnect on) with immediate acks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_flight: set[asyncio.Task[Any]] = set()

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        task = asyncio.current_task()
        if task is not None:
            self.in_flight.add(task)
        try:
            await self._dispatch(client, req)
        finally:
            if task is not None:
                self.in_flight.discard(task)

    async def _dispatch(self, client: SocketModeClient, req: SocketModeRequest) -> None:
        start = time()

        async def send(response: BoltResponse) -> None:
            await send_async_response(client, req, response, start)

        ack = EnvelopeAck(send)
        if req.type == "events_api":
            await ack()
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
