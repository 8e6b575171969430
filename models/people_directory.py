"""Finding people by their Slack account or 10000ft guid, and linking the two by e-mail."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from models.people import GroupMembership, Person, SlackUser
from models.projects import Project


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


_PERSON_BY_SLACK_ID = (
    'SELECT * FROM "person" WHERE "slack_id" = {} ORDER BY "archived", "id" DESC LIMIT 1'
)


async def person_for_slack_user(slack_id: str) -> Person | None:
    """The person whose Slack id (matched by e-mail at sync) is ``slack_id``.

    If an archived and an active person share the id (a re-hire), the active one wins.
    Every Slack request asks this (``handlers/acting_person.py``), so it is one plain
    statement: building the ORM's query cost twice the query itself (``benchmarks/load.py``).
    """
    if not slack_id:
        return None
    conn = connections.get("default")
    placeholder = "?" if "sqlite" in type(conn).__module__ else "$1"
    rows = await conn.execute_query_dict(_PERSON_BY_SLACK_ID.format(placeholder), [slack_id])
    return Person._init_from_db(**rows[0]) if rows else None


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


async def person_for_sign_in(slack_id: str, email: str | None) -> Person | None:
    """The active person a Slack account signs in as: by Slack id, else by e-mail.

    The e-mail match (case-insensitive) covers people whose Slack link the directory sync has
    not made yet; callers pass an e-mail only when Slack says it is verified. Archived people
    are never returned: they may not sign in.
    """
    if slack_id:
        person = await Person.filter(slack_id=slack_id, archived=False).order_by("-id").first()
        if person is not None:
            return person
    address = (email or "").strip()
    if not address:
        return None
    return await Person.filter(email__iexact=address, archived=False).order_by("-id").first()


@dataclass(frozen=True)
class PersonRoles:
    """A person with the groups they are in and the projects they administer."""

    person: Person
    groups: tuple[str, ...]
    admin_of: tuple[str, ...]


async def active_people_with_roles() -> list[PersonRoles]:
    """Every non-archived person, by name, with their groups and projects (three queries)."""
    people = await Person.filter(archived=False)
    groups: dict[int, list[str]] = {}
    for person_id, group in await GroupMembership.all().values_list("person_id", "group__name"):
        groups.setdefault(int(person_id), []).append(str(group))
    projects: dict[int, list[str]] = {}
    rows = await Project.filter(archived=False, admins__id__isnull=False).values_list(
        "admins__id", "name"
    )
    for person_id, name in rows:
        projects.setdefault(int(person_id), []).append(str(name))
    return [
        PersonRoles(
            person,
            tuple(sorted(groups.get(person.id, []))),
            tuple(sorted(projects.get(person.id, []))),
        )
        for person in people
    ]
