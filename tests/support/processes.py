"""Subprocesses the tests start (`serve`, `demo`, `sync`, a lock-holding child) and clean up."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path

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
