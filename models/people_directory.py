"""Finding people by their Slack account or 10000ft guid, and linking the two by e-mail."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.backends.base.client import BaseDBAsyncClient

from models.people import Person, SlackUser


def slack_links(
    people: Iterable[tuple[int, str | None, str | None]],
    slack_users: Iterable[tuple[str, str | None]],
) -> dict[int, str | None]:
    """New ``slack_id`` for each person whose link changes.

    ``people`` are (id, email, current slack_id); ``slack_users`` are (slack id, email). A
    person is linked to the Slack user with the same e-mail (case-insensitive) and otherwise
    to nobody: a link is never kept on trust, since a Slack account whose e-mail changed may
    now belong to someone else, who would then be answered with this person's numbers.
    """
    by_email = {email.strip().lower(): slack_id for slack_id, email in slack_users if email}
    changes: dict[int, str | None] = {}
    for person_id, email, current in people:
        wanted = by_email.get(email.strip().lower()) if email else None
        if wanted != current:
            changes[person_id] = wanted
    return changes


async def link_people_to_slack_users(conn: BaseDBAsyncClient | None = None) -> int:
    """Applies :func:`slack_links` to the stored people and Slack users; returns changes.

    Run after either side changes: the Slack users sync and the 10000ft users sync.
    """
    slack_users = await SlackUser.all().using_db(conn).values_list("slack_id", "email")
    people = await Person.all().using_db(conn).values_list("id", "email", "slack_id")
    changes = slack_links(people, slack_users)  # type: ignore[arg-type]
    for person_id, slack_id in changes.items():
        await Person.filter(id=person_id).using_db(conn).update(slack_id=slack_id)
    return len(changes)


async def person_for_slack_user(slack_id: str) -> Person | None:
    """The person whose Slack id (matched by e-mail at sync) is ``slack_id``.

    If an archived and an active person share the id (a re-hire), the active one wins.
    """
    if not slack_id:
        return None
    return await Person.filter(slack_id=slack_id).order_by("archived", "-id").first()


async def slack_id_for_handle(handle: str) -> str | None:
    """A Slack user id from a handle typed as plain text (``@jane.doe``), via the directory."""
    handle = handle.lstrip("@").strip().lower()
    if not handle:
        return None
    user = await SlackUser.filter(name__iexact=handle).first()
    return user.slack_id if user else None


async def person_by_guid(guid: str) -> Person | None:
    if not guid:
        return None
    return await Person.filter(guid=guid).first()
