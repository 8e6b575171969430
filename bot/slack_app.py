"""The Slack side of the bot: the Bolt ``AsyncApp`` with its Web API client, middleware,
error handler and listeners (all of which live in :mod:`handlers`).

Ack timing, measured with ``benchmarks/slack_ack_modes.py`` (ack latency p50 / p95, a
listener that only acks, and one that acks and then works 50 ms):

- stock handler, ``process_before_response=False``: 10.8 / 14.3 ms and 10.9 / 12.9 ms,
  because Bolt runs the listener in a task and polls for its ack every 10 ms;
- stock handler, ``True``: 0.13 / 0.18 ms, but 51 / 54 ms when work follows the ack,
  because nothing is sent until the listener returns;
- ours, ``True`` + :class:`bot.socket_mode.ImmediateAckSocketModeHandler`: 0.12 / 0.24 ms
  and 0.14 / 0.28 ms. ``ack()`` itself writes the answer to the websocket; the rest of the
  listener keeps running in the envelope's task.

So a reply carried in the ack (``/flex-hours``) is as fast as the listener computes it, and
slow work after ``ack()`` never delays it. Errors reach
:func:`handlers.error_replies.reply_to_error` either way.

The bot is a single-workspace app whatever the environment holds. ``AsyncApp.__init__``
(slack_bolt 1.30) builds default OAuth settings, an installation store and a multi-workspace
``authorize`` as soon as both ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` are in
``os.environ``; after that every request is answered "your installation with this app is no
longer available". Those variables are ours too (Sign in with Slack on the admin site), and
no constructor argument turns the lookup off (``oauth_settings=None`` is what triggers it), so
the app is built with the two variables out of the environment (the constructor is
synchronous: no other coroutine can see them missing) and then checked to have no OAuth flow.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from core.settings import Settings
from handlers import register_listeners
from handlers.acting_person import attach_acting_person
from handlers.error_replies import reply_to_error
from sync.slack_client import build_web_client, counted


class _TokenFromClientNote(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN from the environment is unused when a client is given;
    our client carries that same token, so the warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


#: What makes Bolt's AsyncApp switch itself to multi-workspace OAuth (see the module doc).
BOLT_OAUTH_VARIABLES = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


@contextmanager
def _without_bolt_oauth_variables() -> Iterator[None]:
    """``os.environ`` without SLACK_CLIENT_ID/SECRET for the block, restored afterwards."""
    saved = {name: os.environ.pop(name) for name in BOLT_OAUTH_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def build_slack_app(settings: Settings) -> AsyncApp:
    """The Bolt app with every listener registered; importing or building it starts nothing."""
    bolt_log = logging.getLogger("slack_bolt.AsyncApp")
    note = _TokenFromClientNote()
    bolt_log.addFilter(note)
    try:
        with _without_bolt_oauth_variables():
            app = AsyncApp(
                client=build_web_client(settings),
                process_before_response=True,
                # Socket Mode requests carry no signature; keep Bolt from asking for a secret.
                request_verification_enabled=False,
            )
    finally:
        bolt_log.removeFilter(note)
    if app.oauth_flow is not None or app.installation_store is not None:
        raise RuntimeError("the Slack app must be single-workspace; Bolt set up OAuth anyway")

    async def count_listener_calls(
        context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
    ) -> None:
        """Listeners' Web API calls are counted in the metrics like the rest (the client Bolt
        gives each request is a plain copy of ``app.client``)."""
        context["client"] = counted(context.client)
        await next()

    async def attach_settings(
        context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
    ) -> None:
        """Listeners find the settings in their context (an argument named ``settings``)."""
        context["settings"] = settings
        await next()

    app.middleware(count_listener_calls)
    app.middleware(attach_settings)
    app.middleware(attach_acting_person)
    app.error(reply_to_error)
    register_listeners(app)
    return app
