"""Subprocesses the tests start (`serve`, `demo`, `sync`, a lock-holding child), reading their
output, and cleaning up."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.emulators.slack import SlackEmulator

ROOT = Path(__file__).resolve().parents[2]
"""The source checkout: where the CLI runs unless a test says otherwise."""


async def start_cli(
    *args: str, env: Mapping[str, str], cwd: Path = ROOT
) -> asyncio.subprocess.Process:
    """``python -m bot.cli ARGS`` with exactly ``env`` as its environment, output piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=dict(env),
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def kill_if_running(process: asyncio.subprocess.Process) -> None:
    """Kills and reaps ``process`` when it is still running (a test that failed half-way)."""
    if process.returncode is None:
        process.kill()
        await process.wait()


def serve_env(emulator: SlackEmulator, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a real ``financebot serve`` against ``emulator``: this process's
    environment without its Slack and web settings, the admin site on a free local port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB_"))}
    env.update(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=emulator.bot_token,
        SLACK_APP_TOKEN=emulator.app_token,
        SLACK_API_URL=emulator.api_url,
        WEB_HOST="127.0.0.1",
        WEB_PORT="0",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


async def start_serve(env: dict[str, str]) -> asyncio.subprocess.Process:
    """``financebot serve`` with ``env`` (see :func:`serve_env`), output piped."""
    return await start_cli("serve", env=env)


async def first_line(stream: asyncio.StreamReader | None, marker: str, seconds: float) -> str:
    """Reads ``stream`` until a line containing ``marker`` (which it returns), for at most
    ``seconds``."""
    assert stream is not None

    async def read() -> str:
        while line := (await stream.readline()).decode():
            if marker in line:
                return line
        raise AssertionError(f"the stream ended without a line containing {marker!r}")

    return await asyncio.wait_for(read(), seconds)
