"""Unfurls of admin-site links (``link_shared`` → ``chat.unfurl``).

A flex-hours link shows the numbers only when the person who shared it may see them (the one
rule, :func:`models.permissions.may_see_flex`: that person, or HR); anyone else gets a neutral
"details are private" unfurl, as does an unknown person.
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


async def unfurl_for(link: PublicLink, sharer: Person | None, settings: Settings) -> dict[str, Any]:
    if link.kind != "flex":
        return neutral_unfurl(link)
    subject = await person_by_guid(link.key)
    if subject is None:
        return neutral_unfurl(link)
    if not may_see_flex(await actor_for(sharer), subject.id):
        return private_flex_unfurl()
    return flex_unfurl(await flex_report_for(subject, settings), settings)


async def unfurls_for_event(
    event: dict[str, Any], sharer: Person | None, settings: Settings
) -> dict[str, dict[str, Any]]:
    """URL → unfurl for every link of ours in a ``link_shared`` event shared by ``sharer``."""
    links = []
    for item in event.get("links", [])[:MAX_LINKS]:
        link = parse_public_link(str(item.get("url", "")), settings)
        if link is not None:
            links.append(link)
    if not links:
        return {}
    return {link.url: await unfurl_for(link, sharer, settings) for link in links}


async def link_shared(
    event: dict[str, Any], client: AsyncWebClient, settings: Settings, person: Person | None
) -> None:
    unfurls = await unfurls_for_event(event, person, settings)
    if not unfurls:
        return
    if event.get("source") == "composer" and event.get("unfurl_id"):
        await client.chat_unfurl(source="composer", unfurl_id=event["unfurl_id"], unfurls=unfurls)
    else:
        await client.chat_unfurl(channel=event["channel"], ts=event["message_ts"], unfurls=unfurls)


def register(app: AsyncApp) -> None:
    app.event("link_shared")(link_shared)
