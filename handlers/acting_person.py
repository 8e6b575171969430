"""Who is acting: the middleware that puts the asker's ``Person`` into every listener's context.

Listeners take it as an argument named ``person`` (Bolt passes context entries by name), a
:class:`~models.people.Person` or ``None`` when the Slack user is linked to no 10000ft person.
An archived person is still given: what they may do is the listener's (and the domain's)
decision. This is the only place a request's Slack user is looked up, one query per request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from models.people_directory import person_for_slack_user

PERSON = "person"


def acting_slack_id(body: dict[str, Any]) -> str:
    """The Slack user id of whoever made the request ("" when there is none).

    A slash command names them in ``user_id``; clicks and modal submissions in ``user.id``;
    an Events API callback in ``event.user`` (a string, or an object with ``id``).
    """
    if body.get("type") == "event_callback":
        event = body.get("event")
        return _user_id(event.get("user") if isinstance(event, dict) else None)
    if "command" in body:
        return str(body.get("user_id") or "")
    return _user_id(body.get("user"))


def _user_id(user: Any) -> str:
    if isinstance(user, dict):
        user = user.get("id")
    return user if isinstance(user, str) else ""


async def attach_acting_person(
    body: dict[str, Any], context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
) -> None:
    """Global middleware: ``context["person"]`` for the listener that will answer."""
    context[PERSON] = await person_for_slack_user(acting_slack_id(body))
    await next()
