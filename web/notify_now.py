"""Send now on ``/notifications``: one kind's batch, previewed first, then sent in the background.

The admin site may not import the bot (its planners build Slack messages), so the bot hands
the site a :class:`Notifier` when it builds it (``build_web_app(..., notifier=...)``): it says
which kinds it can plan, previews a batch (a dry run: what the ledger would let through,
nothing sent or written) and sends one. The site keeps at most one send of a kind going at a
time (a second press is answered "already running"); the ledger keeps every message once
across replicas and commands, whoever sends it. The page shows a send's progress (its
messages appear in the history as the ledger records them) and, after a reload, its result.
Closing the site cancels the sends going on: a message already claimed is recorded as it
ends, the rest stay unsent for the next run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

from core.settings import Settings

log = logging.getLogger(__name__)

#: Every kind of "Send now", in the order the page lists them.
KINDS = ("unsubmitted", "unapproved", "flex-saldo", "manager-digest", "contracts", "invoices")


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    """One message of a batch: what the ledger says of it (would send, already sent, left
    unsent; sent or failed after a send), the operator's line, and its recipient as the ledger
    names it (Slack user ids, comma-separated, or a channel's id)."""

    status: str
    about: str
    recipient: str
    error: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    """A batch as the page shows it (a preview, or the outcome of a send)."""

    kind: str
    period: str
    covers: str = ""
    messages: tuple[PlannedMessage, ...] = ()
    unreachable: tuple[str, ...] = ()

    def tally(self) -> str:
        counts = Counter(message.status for message in self.messages)
        parts = [f"{n} {status}" for status, n in sorted(counts.items())]
        if self.unreachable:
            parts.append(f"{len(self.unreachable)} nobody could be told about")
        return ", ".join(parts) or "nothing to send"


class Notifier(Protocol):
    """What the bot does for "Send now" (see the module docstring)."""

    def unavailable(self, kind: str) -> str | None:
        """Why ``kind`` cannot be planned here, or None when it can."""

    async def preview(self, kind: str, today: date) -> Plan:
        """The batch of ``kind`` for ``today``, as a dry run: nothing sent, nothing written."""

    async def send(self, kind: str, today: date) -> Plan:
        """Plans and sends the batch of ``kind`` for ``today`` through the ledger."""


@dataclass
class Sending:
    """A send started here: while it runs, then with its outcome."""

    kind: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    outcome: Plan | None = None
    error: str = ""
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()


Outcome = Literal["started", "already running", "not available"]


@dataclass(frozen=True)
class StartResult:
    outcome: Outcome
    detail: str = ""


class NotifyNow:
    """The background sends of one admin site, one at most per kind."""

    def __init__(self, settings: Settings, notifier: Notifier | None) -> None:
        self._settings = settings
        self.notifier = notifier
        self._sends: dict[str, Sending] = {}
        self._closed = False

    def unavailable(self, kind: str) -> str | None:
        if self.notifier is None:
            return "notifications are sent by `financebot serve`; this site was built without them"
        return self.notifier.unavailable(kind)

    def unable_to_send(self, kind: str) -> str | None:
        """Why ``kind`` cannot be sent (a preview may still be possible), or None."""
        if not self._settings.slack_bot_token:
            return "SLACK_BOT_TOKEN is not set"
        return self.unavailable(kind)

    def latest(self, kind: str) -> Sending | None:
        """The send of ``kind`` started here last (running or finished), if any."""
        return self._sends.get(kind)

    def task(self, kind: str) -> asyncio.Task[None] | None:
        """The background task of ``kind`` while it runs (tests wait on it)."""
        sending = self._sends.get(kind)
        return sending.task if sending is not None and sending.running else None

    def start(self, kind: str, today: date) -> StartResult:
        """Starts sending ``kind`` in the background unless a send of it is going on here.

        No await between the check and registering the task: two presses cannot both start."""
        reason = self.unable_to_send(kind)
        if reason is not None:
            return StartResult("not available", reason)
        if self._closed:
            return StartResult("not available", "the site is shutting down")
        current = self._sends.get(kind)
        if current is not None and current.running:
            since = current.started_at.astimezone(self._settings.tz).strftime("%H:%M:%S")
            return StartResult("already running", f"started {since}")
        sending = Sending(kind, dt.datetime.now(dt.UTC))
        sending.task = asyncio.create_task(self._run(sending, today), name=f"notify-now-{kind}")
        self._sends[kind] = sending
        return StartResult("started")

    async def _run(self, sending: Sending, today: date) -> None:
        assert self.notifier is not None
        try:
            sending.outcome = await self.notifier.send(sending.kind, today)
        except asyncio.CancelledError:
            sending.error = "stopped: the site was closing"
            raise
        except Exception as exc:
            log.exception("send now: the %s notifications failed", sending.kind)
            sending.error = f"{type(exc).__name__}: {exc}"
        else:
            failed = sum(1 for m in sending.outcome.messages if m.status == "failed")
            if failed:
                log.warning("send now: %d %s message(s) failed", failed, sending.kind)
        finally:
            sending.finished_at = dt.datetime.now(dt.UTC)

    async def close(self) -> None:
        self._closed = True
        tasks = [s.task for s in self._sends.values() if s.task is not None and s.running]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
