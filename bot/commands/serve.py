"""`financebot serve`: the Slack bot, admin site and scheduler until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Awaitable, Callable

from bot.lifespan import RunningBot, bot_lifespan
from core.settings import Settings


async def run_until_stopped(
    settings: Settings,
    *,
    on_started: Callable[[RunningBot], Awaitable[None]] | None = None,
    stop: asyncio.Event | None = None,
    sync_at_start: bool = False,
) -> int:
    """Runs the lifespan until SIGTERM/SIGINT (or ``stop``); a clean stop returns 0.

    ``on_started`` runs once everything is up (the demo seeds its data there). A signal
    during start-up or ``on_started`` cancels it and still exits cleanly (the lifespan stops
    everything it started; a cancelled sync records itself failed and releases its lock).
    ``sync_at_start``: the hours sync runs at once instead of after its first interval
    (`serve` does this; the demo loads its own data).
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    waiting = cancelled = False

    def on_signal() -> None:
        nonlocal cancelled
        stop.set()
        if not waiting and not cancelled and main is not None:
            cancelled = True  # once: a second Ctrl-C must not cut the stopping short
            main.cancel()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    try:
        async with bot_lifespan(settings, sync_at_start=sync_at_start) as bot:
            print(f"Finance Bot is running; admin site at {bot.web_url}", flush=True)
            if on_started is not None:
                await on_started(bot)
            waiting = True
            await stop.wait()
    except asyncio.CancelledError:
        if not stop.is_set():
            raise
        if main is not None:
            main.uncancel()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return 0


async def run(settings: Settings, args: argparse.Namespace) -> int:
    settings.require_slack()
    settings.require_web_sign_in()  # a site reachable from elsewhere must have sign-in
    return await run_until_stopped(settings, sync_at_start=True)
