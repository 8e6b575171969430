"""Slack directory sync: workspace members (linked to people by e-mail) and channels.

Every page is fetched before anything is written, so a fetch that fails part-way changes
nothing; the writes then happen in one transaction. A call Slack refuses (after the client's
retries: ``sync/slack_client.py``) fails the run with one line naming the method and Slack's
error, e.g. ``Slack users.list: ratelimited (HTTP 429)``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models import SlackChannel, SlackUser
from models.people_directory import link_people_to_slack_users
from sync.counts import SyncCounts

log = logging.getLogger(__name__)

PAGE_LIMIT = 200  # Slack recommends no more than 200 per page
SLACKBOT_ID = "USLACKBOT"

_Row = TypeVar("_Row", SlackUser, SlackChannel)


class SlackDirectoryError(RuntimeError):
    """Slack refused a directory call; the message is one line."""


@dataclass(frozen=True)
class DirectoryUser:
    slack_id: str
    name: str
    real_name: str
    email: str | None  # lower-cased


@dataclass(frozen=True)
class DirectoryChannel:
    slack_id: str
    name: str
    archived: bool
    is_private: bool


async def fetch_all_pages(
    client: AsyncWebClient, method: str, key: str, **args: Any
) -> list[dict[str, Any]]:
    """Follows ``response_metadata.next_cursor`` until it is empty."""
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page_args = {**args, "limit": PAGE_LIMIT}
        if cursor:
            page_args["cursor"] = cursor
        try:
            response = await client.api_call(method, http_verb="GET", params=page_args)
        except SlackApiError as exc:
            error = exc.response.get("error") or "no answer"
            status = exc.response.status_code
            raise SlackDirectoryError(f"Slack {method}: {error} (HTTP {status})") from None
        items.extend(response.get(key) or [])
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            return items


# ---------------------------------------------------------------------- plain rules


def directory_users(members: Iterable[Mapping[str, Any]]) -> tuple[list[DirectoryUser], int]:
    """The members worth keeping (people), and how many were skipped (deleted, bots, Slackbot)."""
    kept: list[DirectoryUser] = []
    skipped = 0
    for member in members:
        if member.get("deleted") or member.get("is_bot") or member.get("id") == SLACKBOT_ID:
            skipped += 1
            continue
        profile = member.get("profile") or {}
        email = (profile.get("email") or "").strip().lower() or None
        kept.append(
            DirectoryUser(
                slack_id=str(member["id"]),
                name=str(member.get("name") or ""),
                real_name=str(member.get("real_name") or profile.get("real_name") or ""),
                email=email,
            )
        )
    return kept, skipped


def directory_channels(channels: Iterable[Mapping[str, Any]]) -> list[DirectoryChannel]:
    return [
        DirectoryChannel(
            slack_id=str(c["id"]),
            name=str(c.get("name") or ""),
            archived=bool(c.get("is_archived")),
            is_private=bool(c.get("is_private")),
        )
        for c in channels
    ]


# ---------------------------------------------------------------------- syncs


async def sync_slack_users(client: AsyncWebClient) -> SyncCounts:
    """Stores workspace members in ``SlackUser`` and links people to them by e-mail.

    Counts are about Slack users: added, updated, deleted (gone from Slack, or now deleted
    or a bot), skipped (deleted and bot members in the listing).
    """
    members = await fetch_all_pages(client, "users.list", "members")
    users, skipped = directory_users(members)
    async with in_transaction() as conn:
        added, updated, stored = await _store(SlackUser, users, conn)
        if stored:
            await SlackUser.filter(slack_id__in=list(stored)).using_db(conn).delete()

        changes = await link_people_to_slack_users(conn)
    log.info(
        "Slack users: %d kept, %d skipped; %d people linked or unlinked",
        len(users),
        skipped,
        changes,
    )
    return SyncCounts(added=added, updated=updated, deleted=len(stored), skipped=skipped)


async def sync_slack_channels(client: AsyncWebClient) -> SyncCounts:
    """Stores public and private channels (archived flag kept) in ``SlackChannel``.

    A channel gone from the listing is marked archived rather than deleted, so projects
    keep their channel link (counted as deleted).
    """
    listed = await fetch_all_pages(
        client,
        "conversations.list",
        "channels",
        types="public_channel,private_channel",
        exclude_archived="false",
    )
    channels = directory_channels(listed)
    async with in_transaction() as conn:
        added, updated, stored = await _store(SlackChannel, channels, conn)
        gone = [slack_id for slack_id, row in stored.items() if not row.archived]
        if gone:
            await SlackChannel.filter(slack_id__in=gone).using_db(conn).update(archived=True)
    return SyncCounts(added=added, updated=updated, deleted=len(gone), skipped=0)


async def _store(
    model: type[_Row], listed: Sequence[DirectoryUser | DirectoryChannel], conn: BaseDBAsyncClient
) -> tuple[int, int, dict[str, _Row]]:
    """Creates a row for each listed slack id not stored yet and updates the stored rows whose
    values differ; returns how many were added and updated, and the stored rows not listed."""
    stored = {row.slack_id: row for row in await model.all().using_db(conn)}
    added = updated = 0
    for item in listed:
        values = {name: value for name, value in asdict(item).items() if name != "slack_id"}
        row = stored.pop(item.slack_id, None)
        if row is None:
            await model.create(slack_id=item.slack_id, **values, using_db=conn)
            added += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            await row.save(using_db=conn, update_fields=list(values))
            updated += 1
    return added, updated, stored
