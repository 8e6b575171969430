"""Fault tests' helpers: a `serve` replica that can be killed as a whole, and its log.

A replica killed in production (an OOM kill, a node lost, ``kill -9`` of its container) takes
every process it started with it: the sync running in its own process, the staging workers,
the worker for company-wide figures. :class:`Replica` starts ``financebot serve`` in a
session of its own and :meth:`Replica.kill` sends SIGKILL to that whole process group, so
nothing of it gets to clean up. Its stdout and stderr are read all the time (a full pipe
would stall the process) and kept, so a test can wait for a line at any point.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Mapping

from tests.support.processes import ROOT


class Replica:
    """One `financebot serve` process group (see the module docstring)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._changed = asyncio.Condition()
        self._readers = [
            asyncio.create_task(self._read(process.stdout)),
            asyncio.create_task(self._read(process.stderr)),
        ]

    @classmethod
    async def start(cls, env: Mapping[str, str]) -> Replica:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            env=dict(env),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        return cls(process)

    async def _read(self, stream: asyncio.StreamReader | None) -> None:
        assert stream is not None
        while line := await stream.readline():
            async with self._changed:
                self.lines.append(line.decode(errors="replace"))
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    @property
    def log(self) -> str:
        return "".join(self.lines)

    async def wait_for_line(self, marker: str, timeout: float, *, after: int = 0) -> str:  # noqa: ASYNC109
        """The first line (from line ``after`` on) containing ``marker``, once it is written."""

        def found() -> str | None:
            return next((line for line in self.lines[after:] if marker in line), None)

        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(
                        lambda: found() is not None or all(r.done() for r in self._readers)
                    ),
                    timeout,
                )
            except TimeoutError:
                raise AssertionError(
                    f"no line with {marker!r} within {timeout} s; the log:\n{self.log}"
                ) from None
        line = found()
        if line is None:
            raise AssertionError(f"serve ended without a line with {marker!r}:\n{self.log}")
        return line

    async def web_url(self, timeout: float = 90) -> str:  # noqa: ASYNC109
        return (await self.wait_for_line("admin site at ", timeout)).strip().split()[-1]

    def kill(self) -> None:
        """SIGKILL to the whole process group: serve and every process it started."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    async def killed(self) -> None:
        """:meth:`kill`, then waits for serve and its output to end."""
        self.kill()
        await asyncio.wait_for(self.process.wait(), 30)
        await asyncio.wait_for(asyncio.gather(*self._readers, return_exceptions=True), 30)

    async def stop(self) -> int:
        """SIGTERM (a clean stop); returns the exit status."""
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), 60)
        await asyncio.wait_for(asyncio.gather(*self._readers, return_exceptions=True), 30)
        return code

    async def __aenter__(self) -> Replica:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self.process.returncode is None:
            await self.killed()
        for reader in self._readers:
            reader.cancel()
