"""Unfurls of admin-site links (``link_shared`` → ``chat.unfurl``).

An unfurl is seen by everyone in the conversation, so a flex-hours link shows its numbers
only where nobody else can see them: shared by the person themself in their own DM with the
bot (checked with ``conversations.open``, which names that DM). Anywhere else (a channel, a
group DM, Slack Connect, the composer, whose message may go anywhere) it unfurls as "private",
whoever shares it, HR included; and the one rule (:func:`models.permissions.may_see_flex`)
still has to allow the sharer.
Invoice and project links get a basic unfurl for now. The sharer arrives as ``person`` from
the middleware (:mod:`handlers.acting_person`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from core.settings import Settings
from handlers.unfurls.blocks import (
    PublicLink,
    flex_unfurl,
    neutral_unfurl,
    parse_public_link,
    private_flex_unfurl,
)
from models.flex.report import flex_report_for
from models.people import Person
from models.people_directory import person_by_guid
from models.permissions import actor_for, may_see_flex

MAX_LINKS = 10


async def unfurl_for(
    link: PublicLink, sharer: Person | None, in_sharers_dm: bool, settings: Settings
) -> dict[str, Any]:
    """The unfurl of one link; ``in_sharers_dm``: shared in the sharer's own DM with the bot."""
    if link.kind != "flex":
        return neutral_unfurl(link)
    subject = await person_by_guid(link.key)
    if subject is None:
        return neutral_unfurl(link)
    own_dm = in_sharers_dm and sharer is not None and sharer.id == subject.id
    if not own_dm or not may_see_flex(await actor_for(sharer), subject.id):
        return private_flex_unfurl()
    return flex_unfurl(await flex_report_for(subject, settings), settings)


async def shared_in_own_dm(
    event: dict[str, Any], sharer: Person | None, client: AsyncWebClient
) -> bool:
    """True when the link was posted in the sharer's own DM with the bot."""
    channel = str(event.get("channel") or "")
    if sharer is None or event.get("source") == "composer" or not channel.startswith("D"):
        return False
    opened = await client.conversations_open(users=str(event.get("user") or ""))
    conversation = opened.get("channel") or {}
    return bool(conversation.get("id") == channel)


async def unfurls_for_event(
    event: dict[str, Any], sharer: Person | None, client: AsyncWebClient, settings: Settings
) -> dict[str, dict[str, Any]]:
    """URL → unfurl for every link of ours in a ``link_shared`` event shared by ``sharer``."""
    links = []
    for item in event.get("links", [])[:MAX_LINKS]:
        link = parse_public_link(str(item.get("url", "")), settings)
        if link is not None:
            links.append(link)
    if not links:
        return {}
    in_dm = any(link.kind == "flex" for link in links) and await shared_in_own_dm(
        event, sharer, client
    )
    return {link.url: await unfurl_for(link, sharer, in_dm, settings) for link in links}


async def link_shared(
    event: dict[str, Any], client: AsyncWebClient, settings: Settings, person: Person | None
) -> None:
    unfurls = await unfurls_for_event(event, person, client, settings)
    if not unfurls:
        return
    if event.get("source") == "composer" and event.get("unfurl_id"):
        await client.chat_unfurl(source="composer", unfurl_id=event["unfurl_id"], unfurls=unfurls)
    else:
        await client.chat_unfurl(channel=event["channel"], ts=event["message_ts"], unfurls=unfurls)


def register(app: AsyncApp) -> None:
    app.event("link_shared")(link_shared)
