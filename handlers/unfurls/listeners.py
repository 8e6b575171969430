"""Unfurls of admin-site links (``link_shared`` → ``chat.unfurl``).

An unfurl is seen by everyone in the conversation, so a flex-hours link shows its numbers
only where nobody else can see them: shared by the person themself in their own DM with the
bot (checked with ``conversations.open``, which names that DM). Anywhere else (a channel, a
group DM, Slack Connect, the composer, whose message may go anywhere) it unfurls as "private",
whoever shares it, HR included; and the one rule (:func:`models.permissions.may_see_flex`)
still has to allow the sharer.
Invoice and project links unfurl with their figures where the sharer may see them, and
without them elsewhere (:func:`handlers.unfurls.invoice_blocks.figures_hidden`); an id that
names nothing unfurls as "not found". Each link costs a constant number of queries. The sharer
arrives as ``person`` from the middleware (:mod:`handlers.acting_person`).
"""

from __future__ import annotations

from dataclasses import dataclass
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
from handlers.unfurls.invoice_blocks import (
    figures_hidden,
    invoice_unfurl,
    not_found_unfurl,
    project_unfurl,
)
from models.flex.report import flex_report_for
from models.invoices.overview import (
    load_invoice_overview,
    load_project_overview,
    parse_invoice_id,
)
from models.invoices.refresh import rules_of
from models.people import Person
from models.people_directory import person_by_guid
from models.permissions import Actor, actor_for, may_see_flex, may_see_invoices_of

#: Links unfurled per message (each unfurl is a handful of blocks, well inside Slack's limits).
MAX_LINKS = 10


@dataclass(frozen=True)
class Sharing:
    """Who shared the links and where: what decides which details an unfurl may show."""

    sharer: Person | None
    actor: Actor | None
    in_sharers_dm: bool  # posted in the sharer's own DM with the bot
    in_composer: bool  # still in the message composer: it may be sent anywhere
    shared_with_other_organisation: bool  # a Slack Connect conversation


async def unfurl_for(link: PublicLink, sharing: Sharing, settings: Settings) -> dict[str, Any]:
    """The unfurl of one link."""
    if link.kind == "invoice":
        return await _invoice_unfurl(link, sharing, settings)
    if link.kind == "project":
        return await _project_unfurl(link, sharing, settings)
    if link.kind != "flex":
        return neutral_unfurl(link)
    subject = await person_by_guid(link.key)
    if subject is None:
        return neutral_unfurl(link)
    sharer = sharing.sharer
    own_dm = sharing.in_sharers_dm and sharer is not None and sharer.id == subject.id
    if not own_dm or not may_see_flex(sharing.actor, subject.id):
        return private_flex_unfurl()
    return flex_unfurl(await flex_report_for(subject, settings), settings)


async def _invoice_unfurl(link: PublicLink, sharing: Sharing, settings: Settings) -> dict[str, Any]:
    invoice_id = parse_invoice_id(link.key)
    overview = None
    if invoice_id is not None:
        overview = await load_invoice_overview(invoice_id, rules_of(settings))
    if overview is None:
        return not_found_unfurl("Invoice")
    hidden = figures_hidden(
        may_see_invoices_of(sharing.actor, overview.project_admin_ids),
        in_composer=sharing.in_composer,
        shared_with_other_organisation=sharing.shared_with_other_organisation,
    )
    return invoice_unfurl(overview, settings, hidden)


async def _project_unfurl(link: PublicLink, sharing: Sharing, settings: Settings) -> dict[str, Any]:
    overview = await load_project_overview(link.key, rules_of(settings))
    if overview is None:
        return not_found_unfurl("Project")
    hidden = figures_hidden(
        may_see_invoices_of(sharing.actor, overview.project_admin_ids),
        in_composer=sharing.in_composer,
        shared_with_other_organisation=sharing.shared_with_other_organisation,
    )
    return project_unfurl(overview, settings, hidden)


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
    event: dict[str, Any],
    sharer: Person | None,
    client: AsyncWebClient,
    settings: Settings,
    *,
    shared_with_other_organisation: bool = False,
) -> dict[str, dict[str, Any]]:
    """URL → unfurl for every link of ours in a ``link_shared`` event shared by ``sharer``
    (the first :data:`MAX_LINKS` links; a link given twice is unfurled once)."""
    links: dict[str, PublicLink] = {}
    for item in event.get("links", [])[:MAX_LINKS]:
        link = parse_public_link(str(item.get("url", "")), settings)
        if link is not None:
            links.setdefault(link.url, link)
    if not links:
        return {}
    in_dm = any(link.kind == "flex" for link in links.values()) and await shared_in_own_dm(
        event, sharer, client
    )
    needs_rights = in_dm or any(link.kind in ("invoice", "project") for link in links.values())
    sharing = Sharing(
        sharer=sharer,
        actor=await actor_for(sharer) if needs_rights else None,
        in_sharers_dm=in_dm,
        in_composer=event.get("source") == "composer",
        shared_with_other_organisation=shared_with_other_organisation,
    )
    return {url: await unfurl_for(link, sharing, settings) for url, link in links.items()}


async def link_shared(
    event: dict[str, Any],
    body: dict[str, Any],
    client: AsyncWebClient,
    settings: Settings,
    person: Person | None,
) -> None:
    # Slack marks an event from a Slack Connect conversation on the envelope, not the event.
    external = bool(body.get("is_ext_shared_channel"))
    unfurls = await unfurls_for_event(
        event, person, client, settings, shared_with_other_organisation=external
    )
    if not unfurls:
        return
    if event.get("source") == "composer" and event.get("unfurl_id"):
        await client.chat_unfurl(source="composer", unfurl_id=event["unfurl_id"], unfurls=unfurls)
    else:
        await client.chat_unfurl(channel=event["channel"], ts=event["message_ts"], unfurls=unfurls)


def register(app: AsyncApp) -> None:
    app.event("link_shared")(link_shared)
