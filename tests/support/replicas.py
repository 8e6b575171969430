"""Several `financebot serve` processes on one database, as replicas run in production.

:func:`running_replicas` starts them against the Slack emulator, which spreads Socket Mode
envelopes over their connections as Slack does. None of them connects (and so none starts
its scheduler, whose start-up jobs run at once) before all have checked their Slack tokens,
so their start-up jobs race. Each process's output is read as it comes (a full pipe would
stall it) and kept, so a test can wait for a log line and look at everything afterwards.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

from bot.emulators.slack import SlackEmulator
from tests.support.processes import kill_if_running, start_serve

STARTED = "admin site at "
"""What `serve` prints once it is connected and its scheduler has started."""


class Output:
    """Every line a stream has written so far; :meth:`wait_for` a line to come."""

    def __init__(self, stream: asyncio.StreamReader | None) -> None:
        assert stream is not None
        self.lines: list[str] = []
        self._changed = asyncio.Condition()
        self._reader = asyncio.create_task(self._read(stream))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := (await stream.readline()).decode():
            async with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    @property
    def text(self) -> str:
        return "".join(self.lines)

    @property
    def ended(self) -> bool:
        return self._reader.done()

    def count(self, marker: str) -> int:
        return sum(marker in line for line in self.lines)

    async def wait_for(self, marker: str, seconds: float, *, times: int = 1) -> str:
        """The ``times``-th line containing ``marker``, once written (at most ``seconds``)."""

        def found() -> bool:
            return self.count(marker) >= times or self.ended

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(found), seconds)
            except TimeoutError:
                raise AssertionError(
                    f"no line with {marker!r} within {seconds} s:\n{self.text}"
                ) from None
        hits = [line for line in self.lines if marker in line]
        if len(hits) < times:
            raise AssertionError(f"the output ended without {marker!r}:\n{self.text}")
        return hits[times - 1]

    async def finished(self) -> None:
        await self._reader


@dataclass
class Replica:
    """One `serve` process: its output so far, its admin site once started."""

    process: asyncio.subprocess.Process
    stdout: Output
    stderr: Output
    web_url: str = ""
    returncode: int | None = None


@asynccontextmanager
async def running_replicas(
    emulator: SlackEmulator, env: dict[str, str], count: int = 3, *, start_within: float = 120
) -> AsyncIterator[list[Replica]]:
    """``count`` `serve` processes with ``env`` (``tests.support.processes.serve_env``),
    started together; yields once every one is connected, each on a connection of its own.

    On leaving, each gets SIGTERM and is awaited (killed after 30 s): its ``returncode`` and
    all of its output are there for the test to check.
    """
    emulator.refuse_socket_connects(1_000_000)
    replicas: list[Replica] = []
    try:
        for _ in range(count):
            process = await start_serve(env)
            replicas.append(Replica(process, Output(process.stdout), Output(process.stderr)))

        def every_one_checked_its_tokens(_call: object) -> bool:
            return len(emulator.calls_to("auth.test")) >= count

        await emulator.wait_for_call(
            "auth.test", timeout=start_within, where=every_one_checked_its_tokens
        )
        emulator.accept_socket_connects()
        for replica in replicas:
            line = await replica.stdout.wait_for(STARTED, start_within)
            replica.web_url = line.strip().rsplit(" ", 1)[-1]
        await emulator.wait_for_connections(count, timeout=start_within)
        yield replicas
    finally:
        for replica in replicas:
            with suppress(ProcessLookupError):
                replica.process.send_signal(signal.SIGTERM)
        for replica in replicas:
            try:
                await asyncio.wait_for(replica.process.wait(), 30)
            except TimeoutError:
                await kill_if_running(replica.process)
            with suppress(TimeoutError):
                await asyncio.wait_for(replica.stdout.finished(), 5)
                await asyncio.wait_for(replica.stderr.finished(), 5)
            replica.returncode = replica.process.returncode
        for number, replica in enumerate(replicas, start=1):  # pytest shows it on a failure
            print(f"--- replica {number}, exit {replica.returncode}:\n{replica.stderr.text}")
