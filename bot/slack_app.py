"""The Slack side of the bot: the Bolt ``AsyncApp``, its Web API client and its error handling.

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
slow work after ``ack()`` never delays it. Errors reach :func:`apologise` either way.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError

from core.settings import Settings
from handlers import register_listeners
from sync.slack_client import build_web_client

log = logging.getLogger(__name__)

APOLOGY = (
    "Sorry, something went wrong on my side and I could not finish that. "
    "It has been logged; please try again in a moment."
)


class _TokenFromClientNote(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN from the environment is unused when a client is given;
    our client carries that same token, so the warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_slack_app(settings: Settings) -> AsyncApp:
    """The Bolt app with every listener registered; importing or building it starts nothing."""
    bolt_log = logging.getLogger("slack_bolt.AsyncApp")
    note = _TokenFromClientNote()
    bolt_log.addFilter(note)
    try:
        app = AsyncApp(
            client=build_web_client(settings),
            process_before_response=True,
            # Socket Mode requests carry no signature; keep Bolt from asking for a secret.
            request_verification_enabled=False,
        )
    finally:
        bolt_log.removeFilter(note)

    async def attach_settings(context: AsyncBoltContext, next: Any) -> None:
        """Listeners find the settings in their context (the acting Person joins later)."""
        context["settings"] = settings
        await next()

    app.middleware(attach_settings)
    app.error(apologise)
    register_listeners(app)
    return app


# ---------------------------------------------------------------------- errors


def describe_request(body: dict[str, Any]) -> dict[str, Any]:
    """What a log line about a failed request needs: its kind, what was asked, and by whom."""
    kind = body.get("type") or ("slash_command" if "command" in body else "unknown")
    user = body.get("user")
    info: dict[str, Any] = {
        "kind": kind,
        "user": user.get("id") if isinstance(user, dict) else body.get("user_id", user),
        "team": body.get("team_id") or (body.get("team") or {}).get("id"),
    }
    if "command" in body:
        info["command"] = body["command"]
        info["channel"] = body.get("channel_id")
    if kind == "block_actions":
        info["actions"] = [a.get("action_id") for a in body.get("actions", [])]
    if kind in ("view_submission", "view_closed"):
        info["callback_id"] = (body.get("view") or {}).get("callback_id")
    if kind == "event_callback":
        event = body.get("event") or {}
        info["event"] = event.get("type")
        info["user"] = event.get("user")
        info["channel"] = event.get("channel")
    return info


def error_view() -> dict[str, Any]:
    """Replaces a modal whose submission failed."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Something went wrong"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": APOLOGY}}],
    }


async def apologise(
    error: Exception,
    body: dict[str, Any],
    request: AsyncBoltRequest,
    context: AsyncBoltContext,
) -> BoltResponse | None:
    """The one global error handler: log with context, then tell the user (never silence).

    While the envelope is not acked yet the apology travels in the ack itself (a slash
    command reply, or an error view replacing the modal); afterwards it goes by
    response_url, chat.postEphemeral or a direct message.
    """
    info = describe_request(body)
    log.error("Slack listener failed: %s", info, exc_info=error)
    acked = bool(getattr(context.ack, "sent", False))
    kind = info["kind"]
    if not acked and kind == "slash_command":
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": APOLOGY})
    if not acked and kind == "view_submission":
        return BoltResponse(status=200, body={"response_action": "update", "view": error_view()})
    try:
        await _tell_user(body, info, context)
    except (SlackApiError, OSError, TimeoutError) as exc:
        log.error("could not send the apology for %s: %s", info, exc)
    return BoltResponse(status=200, body="")


async def _tell_user(body: dict[str, Any], info: dict[str, Any], context: AsyncBoltContext) -> None:
    client = context.client
    response_url = body.get("response_url") or context.response_url
    if response_url and context.respond is not None:
        await context.respond(text=APOLOGY, response_type="ephemeral", replace_original=False)
        return
    user, channel = info.get("user"), info.get("channel")
    if user and channel:
        await client.chat_postEphemeral(channel=channel, user=user, text=APOLOGY)
    elif user:
        await client.chat_postMessage(channel=user, text=APOLOGY)
    else:
        log.warning("no user to apologise to for %s", info)
