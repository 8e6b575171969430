"""New projects for the channels marked for them (``SlackChannel.new_project_notifications``).

The rule: the projects sync leaves ``Project.new_project_announced`` off on a project it
creates while the table already had projects (on the first sync of an empty table every
project is "new" and none is news, so they are created announced). After a sync, each such
project is posted once to every marked, non-archived channel (the ledger keeps it once per
project and channel) and then marked announced, so later syncs skip it. A project that is
archived, or whose posts still fail after :data:`RETRY_FOR`, is marked announced without
further posts (a failure stays in the ledger); with no channel marked there is nobody to
tell, and the project is marked announced too (a channel marked later gets later projects).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from models.audit import record_change
from models.people import SlackChannel
from models.projects import Project

#: How long a new project's failed posts are tried again by later syncs.
RETRY_FOR = dt.timedelta(days=2)


@dataclass(frozen=True, slots=True)
class NewProject:
    id: int
    guid: str
    tenkfeet_id: int
    name: str
    client: str  # "" when the project has no client
    archived: bool
    created_at: dt.datetime

    @property
    def title(self) -> str:
        """``Client – Project`` (the project's name alone without a client)."""
        return f"{self.client} – {self.name}" if self.client else self.name


@dataclass(frozen=True, slots=True)
class MarkedChannel:
    slack_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Announcements:
    """What to do with the projects waiting to be announced."""

    to_post: tuple[NewProject, ...]
    done_without_posts: tuple[NewProject, ...]


def announcements(
    waiting: Iterable[NewProject], channels: Sequence[MarkedChannel], now: dt.datetime
) -> Announcements:
    """Which waiting projects to post, and which to mark announced without posting (archived,
    older than :data:`RETRY_FOR`, or no channel marked)."""
    post: list[NewProject] = []
    skip: list[NewProject] = []
    for project in sorted(waiting, key=lambda p: (p.created_at, p.id)):
        if project.archived or not channels or now - project.created_at > RETRY_FOR:
            skip.append(project)
        else:
            post.append(project)
    return Announcements(tuple(post), tuple(skip))


async def waiting_projects() -> list[NewProject]:
    """Projects not announced yet (one query)."""
    rows = await Project.filter(new_project_announced=False).values_list(
        "id", "guid", "tenkfeet_id", "name", "client__name", "archived", "created_at"
    )
    return [
        NewProject(
            int(id_), str(guid), int(tenkfeet_id), str(name), str(client or ""), bool(archived), at
        )
        for id_, guid, tenkfeet_id, name, client, archived, at in rows
    ]


async def marked_channels() -> list[MarkedChannel]:
    """Channels marked for new projects that are not archived, by name (one query)."""
    rows = (
        await SlackChannel.filter(new_project_notifications=True, archived=False)
        .order_by("name", "slack_id")
        .values_list("slack_id", "name")
    )
    return [MarkedChannel(str(slack_id), str(name)) for slack_id, name in rows]


async def mark_announced(project_ids: Iterable[int]) -> None:
    ids = sorted(set(project_ids))
    if ids:
        await Project.filter(id__in=ids).update(new_project_announced=True)


@dataclass(frozen=True, slots=True)
class ChannelSetting:
    """A Slack channel (from the Slack directory sync) and whether it gets new projects."""

    slack_id: str
    name: str
    is_private: bool
    archived: bool
    announce_new_projects: bool


async def channel_settings() -> list[ChannelSetting]:
    """Every stored channel, active ones first, by name (one query)."""
    rows = (
        await SlackChannel.all()
        .order_by("archived", "name", "slack_id")
        .values_list("slack_id", "name", "is_private", "archived", "new_project_notifications")
    )
    return [
        ChannelSetting(str(slack_id), str(name), bool(private), bool(archived), bool(marked))
        for slack_id, name, private, archived, marked in rows
    ]


async def set_new_project_channel(slack_id: str, announce: bool, actor: str) -> bool | None:
    """Marks (or unmarks) a channel for new projects, audit-logged when it changes.

    Returns whether anything changed; None when no channel has that id."""
    async with in_transaction():
        channel = await SlackChannel.filter(slack_id=slack_id).select_for_update().first()
        if channel is None:
            return None
        if channel.new_project_notifications == announce:
            return False
        before = {"name": channel.name, "announce_new_projects": channel.new_project_notifications}
        channel.new_project_notifications = announce
        await channel.save(update_fields=["new_project_notifications"])
        await record_change(
            actor=actor,
            entity="slack_channel",
            entity_id=channel.slack_id,
            action="update",
            before=before,
            after={"name": channel.name, "announce_new_projects": announce},
        )
    return True
