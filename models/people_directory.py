"""Finding people by their Slack account or 10000ft guid."""

from __future__ import annotations

from models.people import Person, SlackUser


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
