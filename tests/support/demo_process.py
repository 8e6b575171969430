"""A real `financebot demo` in a subprocess, for tests that use it as a person would: started on
a fresh data directory with free ports, read up to its ready text, stopped with Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.processes import kill_if_running, start_cli

READY_LINE = "Stop with Ctrl-C."
READY_SECONDS = 120
STOP_SECONDS = 30


@dataclass
class RunningDemo:
    process: asyncio.subprocess.Process
    output: str
    stderr: list[str] = field(default_factory=list)

    @property
    def workspace_url(self) -> str:
        """The emulated Slack workspace page the ready text names (or, in an older ready text,
        the emulated Slack's own URL plus ``/workspace``)."""
        named = re.search(r"(http://\S+/workspace)\b", self.output)
        if named:
            return named.group(1)
        slack = re.search(r"Emulated Slack:\s+(http://\S+)", self.output)
        assert slack, self.output
        return slack.group(1).rstrip("/") + "/workspace"


def demo_env() -> dict[str, str]:
    """This process's environment without the project's settings; the admin site on a free port."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_", "WEB_", "TENKFEET_", "PUBLIC_URL"))
    }
    env.pop("PYTHONPATH", None)  # the demo must find its files in the package itself
    env["WEB_PORT"] = "0"
    env["PYTHONUNBUFFERED"] = "1"
    return env


async def _read_until_ready(process: asyncio.subprocess.Process) -> str:
    stdout = process.stdout
    assert stdout is not None
    output = ""
    while READY_LINE not in output:
        line = await stdout.readline()
        assert line, f"the demo ended before it was ready:\n{output}"
        output += line.decode()
    return output


async def _drain(stream: asyncio.StreamReader | None, into: list[str]) -> None:
    """Keeps reading the demo's log, so that a full pipe never stops the demo."""
    assert stream is not None
    while line := await stream.readline():
        into.append(line.decode())


@asynccontextmanager
async def running_demo(data_dir: Path) -> AsyncIterator[RunningDemo]:
    """`financebot demo --data-dir DATA_DIR`, ready; stopped (and checked) afterwards."""
    process = await start_cli(
        "demo", "--data-dir", str(data_dir), env=demo_env(), cwd=data_dir.parent
    )
    stderr: list[str] = []
    draining = asyncio.create_task(_drain(process.stderr, stderr))
    try:
        output = await asyncio.wait_for(_read_until_ready(process), READY_SECONDS)
        demo = RunningDemo(process, output, stderr)
        stdout_left = asyncio.create_task(_drain(process.stdout, []))
        yield demo
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), STOP_SECONDS)
        await asyncio.wait_for(asyncio.gather(draining, stdout_left), STOP_SECONDS)
        log = "".join(stderr)
        assert process.returncode == 0, log[-4000:]
        assert "Traceback" not in log, log[-4000:]
    finally:
        await kill_if_running(process)
        draining.cancel()
        with suppress(asyncio.CancelledError):
            await draining
