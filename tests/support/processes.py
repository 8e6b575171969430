"""Subprocesses the tests start (`serve`, `demo`, a lock-holding child) and clean up."""

from __future__ import annotations

import asyncio


async def kill_if_running(process: asyncio.subprocess.Process) -> None:
    """Kills and reaps ``process`` when it is still running (a test that failed half-way)."""
    if process.returncode is None:
        process.kill()
        await process.wait()
