"""Posts about new projects to the channels marked for them, after a sync that may add some.

Whoever runs a sync calls :func:`after_sync` when it finished: `serve`'s scheduled syncs
(``sync.schedule``), *Sync now* on the admin site (``web.sync_now``) and `financebot sync`.
It acts after the projects sync and after the hours sync (which syncs projects itself when
entries name unknown ones). The rule for what is new, and when a project counts as
announced, is :mod:`models.notifications.new_projects`'. Each post goes through the ledger
(type ``new-project``, period ``once``, recipient the channel's id, subject the project's
guid), so it is made once per project and channel, whichever replica or command gets there
first. Without ``SLACK_BOT_TOKEN`` nothing is posted (the projects keep waiting).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from core.settings import Settings
from handlers.notifications.new_project_blocks import new_project_message
from models.notifications.kinds import NotificationType
from models.notifications.new_projects import (
    MarkedChannel,
    NewProject,
    announcements,
    mark_announced,
    marked_channels,
    waiting_projects,
)
from models.notifications.recipients import Conversation
from sync.slack_client import build_web_client
from sync.slack_delivery import Notice, deliver_to_channel

log = logging.getLogger(__name__)

PERIOD = "once"
#: The syncs after which new projects may be waiting.
SYNCS_THAT_ADD_PROJECTS = ("projects", "hours")


@dataclass(frozen=True, slots=True)
class Post:
    project: NewProject
    channel: MarkedChannel
    status: str  # sent / failed / already sent
    error: str = ""

    def line(self) -> str:
        line = f"{self.status:<12} new project {self.project.title} -> #{self.channel.name}"
        return f"{line}: {self.error}" if self.error else line


def notice_for(project: NewProject, channel: MarkedChannel, settings: Settings) -> Notice:
    message = new_project_message(project, settings)
    return Notice(
        NotificationType.NEW_PROJECT,
        PERIOD,
        Conversation((channel.slack_id,)),
        message,
        summary=f"New project {project.title} in #{channel.name}",
        subject=project.guid[:64],
    )


async def announce_new_projects(
    settings: Settings, client: AsyncWebClient, *, now: dt.datetime | None = None
) -> list[Post]:
    """Posts every waiting new project to every marked channel (see the module docstring)."""
    waiting = await waiting_projects()
    if not waiting:
        return []
    channels = await marked_channels()
    plan = announcements(waiting, channels, now or dt.datetime.now(dt.UTC))
    posts: list[Post] = []
    done = [project.id for project in plan.done_without_posts]
    for project in plan.to_post:
        results = []
        for channel in channels:
            delivery = await deliver_to_channel(client, notice_for(project, channel, settings))
            results.append(Post(project, channel, delivery.status, delivery.error))
        posts += results
        if all(post.status != "failed" for post in results):
            done.append(project.id)
    await mark_announced(done)
    return posts


async def after_sync(kind: str, settings: Settings) -> list[str]:
    """The hook run after a finished sync of ``kind``: lines saying what was posted."""
    if kind not in SYNCS_THAT_ADD_PROJECTS:
        return []
    if not settings.slack_bot_token:
        if await waiting_projects():
            return ["new projects: not posted (SLACK_BOT_TOKEN is not set)"]
        return []
    client = build_web_client(settings)
    try:
        posts = await announce_new_projects(settings, client)
    finally:
        session = getattr(client, "session", None)
        if session is not None and not session.closed:
            await session.close()
    for post in posts:
        if post.status == "failed":
            log.warning("new project post failed: %s", post.line())
    if not posts:
        return []
    counts = Counter(post.status for post in posts)
    tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    log.info("new project posts: %s", tally)
    return [post.line() for post in posts]
