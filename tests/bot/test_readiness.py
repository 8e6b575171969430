"""/readyz of the running bot: ready while the database answers, Socket Mode is connected and
the scheduler runs; 503 naming what is not."""

from __future__ import annotations

import aiohttp

from bot.emulators.slack import SlackEmulator
from tests.support.live_bot import live_bot


async def readyz(web_url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{web_url}/readyz") as response:
            return response.status, await response.text()


async def test_ready_until_socket_mode_loses_its_connection(
    db: str, slack_emulator: SlackEmulator
) -> None:
    async with live_bot(slack_emulator, db) as bot:
        assert await readyz(bot.web_url) == (200, "ready")
        slack_emulator.refuse_socket_connects(10_000)
        seen = len(slack_emulator.calls)
        await slack_emulator.send_disconnect()
        # The bot has closed the old connection when it asks for a new URL.
        await slack_emulator.wait_for_call("apps.connections.open", after=seen)
        status, text = await readyz(bot.web_url)
        assert status == 503
        assert text.startswith("Socket Mode: not connected")
        assert "scheduler" not in text
        # Still refused: the reason names the last attempt's failure.
        await slack_emulator.wait_for_call("apps.connections.open", after=len(slack_emulator.calls))
        status, text = await readyz(bot.web_url)
        assert (status, text.split(" (last attempt: ")[0]) == (503, "Socket Mode: not connected")
        assert "401" in text
        slack_emulator.accept_socket_connects()
        await slack_emulator.wait_for_connections_opened(2, timeout=15)
        assert await readyz(bot.web_url) == (200, "ready")


async def test_not_ready_once_the_scheduler_stops(db: str, slack_emulator: SlackEmulator) -> None:
    async with live_bot(slack_emulator, db) as bot:
        bot.scheduler.pause()
        assert await readyz(bot.web_url) == (503, "scheduler: paused")
        bot.scheduler.resume()
        assert await readyz(bot.web_url) == (200, "ready")
        await bot.scheduler.stop(0)
        assert await readyz(bot.web_url) == (503, "scheduler: not running")
