"""The one global error handler: every exception a listener (or middleware) raises ends here.

Listeners do not catch errors for the general case. A :class:`~core.errors.RequestRefused`
(``NotAllowed``, ``NotFound``, ``InvalidInput``) is an answer for the person, shaped for the
kind of request:

- slash command: an ephemeral message with the error's text, in the ack while it is not
  sent yet, else through ``response_url``;
- view submission: ``InvalidInput`` whose ``field`` is an input block of the modal goes back
  in the ack as ``{"response_action": "errors", ...}`` (the modal stays open); any other
  refusal replaces the modal with a view saying why;
- a click, an event or anything already acked: an ephemeral message (``response_url``, else
  ``chat.postEphemeral`` in the channel, else a direct message).

A database out of reach (:class:`~core.errors.DatabaseUnavailable`, or the driver's own
connection errors) is an outage, not a bug: it is logged as one line and the person gets
:data:`OUTAGE_APOLOGY`, the same ways. Anything else is a bug: it is logged with the
request's context and its traceback, and the person gets :data:`APOLOGY`. The error's text is
plain; it is mrkdwn-escaped here where it goes into mrkdwn, so a refusal quoting upstream text
(a 10000ft name, an error) shows as is.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError

from core.db import is_database_outage
from core.errors import InvalidInput, NotAllowed, NotFound, RequestRefused
from core.slack_text import escape_mrkdwn

log = logging.getLogger(__name__)

APOLOGY = (
    "Sorry, something went wrong on my side and I could not finish that. "
    "It has been logged; please try again in a moment."
)
OUTAGE_APOLOGY = (
    "Sorry, I cannot reach my database right now, so I could not answer. "
    "Please try again in a minute."
)
APOLOGY_TITLE = "Something went wrong"
VIEW_TITLE_LIMIT = 24


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
        channel = body.get("channel") or {}
        info["channel"] = channel.get("id") or (body.get("container") or {}).get("channel_id")
    if kind in ("view_submission", "view_closed"):
        info["callback_id"] = (body.get("view") or {}).get("callback_id")
    if kind == "event_callback":
        event = body.get("event") or {}
        info["event"] = event.get("type")
        info["user"] = event.get("user")
        info["channel"] = event.get("channel")
    return info


def message_view(title: str, text: str) -> dict[str, Any]:
    """A modal that only says ``text`` (mrkdwn, already escaped) and can be closed."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title[:VIEW_TITLE_LIMIT]},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def error_view(text: str = APOLOGY) -> dict[str, Any]:
    """Replaces a modal whose submission failed unexpectedly."""
    return message_view(APOLOGY_TITLE, text)


def refusal_text(error: RequestRefused) -> str:
    return escape_mrkdwn(error.message)


def apology_for(error: Exception) -> str:
    """What the person is told about a failure that is not a refusal."""
    return OUTAGE_APOLOGY if is_database_outage(error) else APOLOGY


def refusal_title(error: RequestRefused) -> str:
    if isinstance(error, NotAllowed):
        return "Not allowed"
    if isinstance(error, NotFound):
        return "Not found"
    return "Cannot do that"


def refusal_view(error: RequestRefused) -> dict[str, Any]:
    """Replaces a modal whose submission was refused, saying why."""
    return message_view(refusal_title(error), escape_mrkdwn(error.message))


def _input_block_ids(body: dict[str, Any]) -> set[str]:
    view = body.get("view") or {}
    ids = set(((view.get("state") or {}).get("values") or {}).keys())
    ids.update(
        b["block_id"]
        for b in view.get("blocks") or []
        if isinstance(b, dict) and b.get("type") == "input" and "block_id" in b
    )
    return ids


def ack_for(error: Exception, body: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The ack payload that answers ``error`` for a request not acked yet, if its kind has one."""
    if kind == "slash_command":
        text = refusal_text(error) if isinstance(error, RequestRefused) else apology_for(error)
        return {"response_type": "ephemeral", "text": text}
    if kind == "view_submission":
        if isinstance(error, InvalidInput) and error.field in _input_block_ids(body):
            return {"response_action": "errors", "errors": {error.field: error.message}}
        if isinstance(error, RequestRefused):
            view = refusal_view(error)
        else:
            view = error_view(apology_for(error))
        return {"response_action": "update", "view": view}
    return None


async def reply_to_error(
    error: Exception, body: dict[str, Any], context: AsyncBoltContext
) -> BoltResponse:
    """The handler ``app.error`` registers: log, then answer the person (never silence)."""
    info = describe_request(body)
    if isinstance(error, RequestRefused):
        log.info("Slack request refused (%s: %s): %s", type(error).__name__, error.message, info)
    elif is_database_outage(error):
        log.warning("Slack request not answered, database out of reach (%s): %s", error, info)
    else:
        log.error("Slack listener failed: %s", info, exc_info=error)
    acked = bool(getattr(context.ack, "sent", False))
    if not acked:
        payload = ack_for(error, body, info["kind"])
        if payload is not None:
            return BoltResponse(status=200, body=payload)
    text = refusal_text(error) if isinstance(error, RequestRefused) else apology_for(error)
    try:
        await _tell_user(text, body, info, context)
    except (SlackApiError, OSError, TimeoutError) as exc:
        log.error("could not tell the user about the failure of %s: %s", info, exc)
    return BoltResponse(status=200, body="")


async def _tell_user(
    text: str, body: dict[str, Any], info: dict[str, Any], context: AsyncBoltContext
) -> None:
    """An ephemeral ``text`` (mrkdwn) by response_url, in the channel, or as a direct message."""
    response_url = body.get("response_url") or context.response_url
    if response_url and context.respond is not None:
        await context.respond(text=text, response_type="ephemeral", replace_original=False)
        return
    client = context.client
    user, channel = info.get("user"), info.get("channel")
    if user and channel:
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
    elif user:
        await client.chat_postMessage(channel=user, text=text)
    else:
        log.warning("no user to tell about the failure of %s", info)
