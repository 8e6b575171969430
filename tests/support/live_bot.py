"""`serve`'s lifespan in the test process, against the Slack emulator, with its parts at hand
(the Bolt app, Socket Mode, the scheduler, the site's URL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.emulators.slack import SlackEmulator
from bot.lifespan import RunningBot, bot_lifespan
from tests.conftest import bot_settings_for


@asynccontextmanager
async def live_bot(
    emulator: SlackEmulator, database_url: str, **env: str
) -> AsyncIterator[RunningBot]:
    """The running bot with the settings ``env`` adds, once Socket Mode is connected."""
    settings = bot_settings_for(emulator, database_url, **env)
    async with bot_lifespan(settings, database_ready=True) as bot:
        await emulator.wait_for_connections(1)
        yield bot
    assert not emulator.violations, "\n".join(emulator.violations)
