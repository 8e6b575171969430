"""Who is acting: the middleware that puts the asker's ``Person`` into every listener's context.

Listeners take it as an argument named ``person`` (Bolt passes context entries by name), a
:class:`~models.people.Person` or ``None`` when the Slack user is linked to no 10000ft person.
An archived person is still given: what they may do is the listener's (and the domain's)
decision. This is the only place a request's Slack user is looked up, one query per request.

It is also every request's first database query, so it carries the request's database
deadline: a database that cannot be reached, or does not answer within
:data:`DATABASE_DEADLINE` seconds (a network partition answers nothing at all), raises
:class:`~core.errors.DatabaseUnavailable`, which the error handler turns into a short apology
in the ack, within Slack's 3 s.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from core.db import is_unreachable, within
from core.errors import DatabaseUnavailable
from models.people import Person
from models.people_directory import person_for_slack_user

PERSON = "person"
#: Seconds the asker's lookup may take before the request is answered with an apology:
#: Slack waits 3 s for the ack, and the apology must be in it.
DATABASE_DEADLINE = 2.0


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
    context[PERSON] = await acting_person(acting_slack_id(body))
    await next()


async def acting_person(slack_id: str) -> Person | None:
    """:func:`person_for_slack_user` within :data:`DATABASE_DEADLINE`; DatabaseUnavailable
    when the database cannot be reached or does not answer in time (the lookup is then left
    behind, not waited for: :func:`core.db.within`)."""
    try:
        return await within(DATABASE_DEADLINE, person_for_slack_user(slack_id))
    except Exception as exc:
        if not is_unreachable(exc):
            raise
        raise DatabaseUnavailable(f"the database is out of reach: {_one_line(exc)}") from exc


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
