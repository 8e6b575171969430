"""`/flex-hours`: the asker's flex saldo (or, for HR, someone else's), always ephemeral.

The reply travels in the ack itself, the fastest path: Slack shows it the moment the
envelope is acked. If the answer is ever slower than ``ACK_DEADLINE`` the command is acked
with a short "working on it" line and the answer follows through ``response_url``. The asker
arrives as ``person`` from the middleware (:mod:`handlers.acting_person`); only a subject
someone else asks about is looked up here.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from core.settings import Settings
from handlers.flex.blocks import (
    UNKNOWN_ASKER,
    Message,
    ephemeral,
    flex_reply,
    help_reply,
    not_understood_reply,
    refused_reply,
    unknown_asker_reply,
    unknown_subject_reply,
)
from models.flex.report import flex_report_for
from models.people import Person
from models.people_directory import person_for_slack_user, slack_id_for_handle
from models.permissions import Capability, actor_for, allows

COMMAND = "/flex-hours"
#: The reply to someone who is no 10000ft person (an empty database answers this too);
#: the older name is what tests/bot/commands/test_serve.py imports.
NOT_SET_UP = UNKNOWN_ASKER
#: Slack waits 3 s for the ack; answer in it when we can, else ack first and respond later.
ACK_DEADLINE = 2.0
HELP_WORDS = frozenset({"help", "?", "-h", "--help", "h"})
SELF_WORDS = frozenset({"me", "@me", "my", "mine"})
_MENTION = re.compile(r"^<@(?P<id>[UW][A-Z0-9]+)(?:\|(?P<name>[^>]*))?>$")
_HANDLE = re.compile(r"^@(?P<handle>[\w][\w.\-]*)$")


# --- what was asked ----------------------------------------------------------------------


@dataclass(frozen=True)
class OwnSaldo:
    pass


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class SomeoneElse:
    """A mention: ``<@U123|name>`` / ``<@U123>`` (escaped by Slack) or a plain ``@handle``."""

    slack_id: str | None = None
    handle: str | None = None

    @property
    def shown(self) -> str:
        return f"<@{self.slack_id}>" if self.slack_id else f"@{self.handle}"


@dataclass(frozen=True)
class NotUnderstood:
    text: str


FlexRequest = OwnSaldo | Help | SomeoneElse | NotUnderstood


def parse_flex_request(text: str | None) -> FlexRequest:
    cleaned = " ".join((text or "").split())
    lowered = cleaned.lower()
    if not cleaned or lowered in SELF_WORDS:
        return OwnSaldo()
    if lowered in HELP_WORDS:
        return Help()
    mention = _MENTION.match(cleaned)
    if mention:
        return SomeoneElse(slack_id=mention["id"])
    handle = _HANDLE.match(cleaned)
    if handle:
        return SomeoneElse(handle=handle["handle"])
    return NotUnderstood(cleaned)


# --- the answer ----------------------------------------------------------------------------


async def answer_flex_request(
    asker: Person | None, asker_slack_id: str, text: str | None, settings: Settings
) -> Message:
    """The whole reply to one `/flex-hours` by ``asker`` (no Slack I/O).

    ``asker`` is the person linked to ``asker_slack_id`` (``None``: nobody is).
    """
    request = parse_flex_request(text)
    if isinstance(request, Help):
        return help_reply(settings)
    if isinstance(request, NotUnderstood):
        return not_understood_reply(request.text)
    if isinstance(request, SomeoneElse) and request.slack_id == asker_slack_id:
        request = OwnSaldo()
    if isinstance(request, OwnSaldo):
        if asker is None:
            return unknown_asker_reply()
        return flex_reply(await flex_report_for(asker, settings), settings, about_self=True)
    # The one rule (models.permissions) decides, as on the web: HR, never an archived person.
    if asker is None or not allows(await actor_for(asker), Capability.SEE_FLEX_OF_OTHERS):
        return refused_reply()
    target = request.slack_id or await slack_id_for_handle(request.handle or "")
    subject = await person_for_slack_user(target) if target else None
    if subject is None:
        return unknown_subject_reply(request.shown)
    report = await flex_report_for(subject, settings)
    return flex_reply(report, settings, about_self=subject.id == asker.id)


# --- the Slack listener --------------------------------------------------------------------


async def flex_hours_command(
    ack: AsyncAck,
    command: dict[str, Any],
    respond: AsyncRespond,
    settings: Settings,
    person: Person | None,
) -> None:
    answer = asyncio.ensure_future(
        answer_flex_request(person, command.get("user_id", ""), command.get("text"), settings)
    )
    try:
        reply = await asyncio.wait_for(asyncio.shield(answer), ACK_DEADLINE)
    except TimeoutError:
        await ack(ephemeral("Computing the flex saldo…"))
        reply = await answer
        await respond(replace_original=True, **reply)
        return
    await ack(reply)


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(flex_hours_command)
