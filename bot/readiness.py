"""The bot's parts that ``/readyz`` waits for, and how each says whether it is up."""

from __future__ import annotations

from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING

from bot.scheduler import BotScheduler
from bot.socket_mode import ImmediateAckSocketModeHandler
from core.observability.readiness import Check, Readiness

SOCKET_MODE = "Socket Mode"
SCHEDULER = "scheduler"


def bot_readiness() -> Readiness:
    """Socket Mode and the scheduler, both "not started" until the lifespan hands them over."""
    return Readiness((SOCKET_MODE, SCHEDULER))


def socket_mode_check(socket_mode: ImmediateAckSocketModeHandler) -> Check:
    """Connected: a websocket open and answering pings. Else "not connected", with why the
    last connect attempt failed when one did."""

    async def check() -> str | None:
        if await socket_mode.client.is_connected():
            return None
        error = socket_mode.client.last_connect_error
        return f"not connected (last attempt: {error})" if error else "not connected"

    return check


def scheduler_check(scheduler: BotScheduler) -> Check:
    async def check() -> str | None:
        if scheduler.state == STATE_RUNNING:
            return None
        return "paused" if scheduler.state == STATE_PAUSED else "not running"

    return check
