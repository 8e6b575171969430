"""`serve`'s log as a log collector reads it: stderr is not a terminal, so every line is one
JSON object; lines of a Slack envelope carry its ``request_id``, lines of a sync its
``run_id`` (in the sync's own process too)."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Callable
from typing import Any

from bot.emulators.slack import SlackEmulator
from bot.emulators.tenkfeet import DEFAULT_TOKEN, TenkfeetEmulator
from models import SyncRun
from tests.support.processes import first_line, kill_if_running, serve_env, start_serve

Line = dict[str, Any]


async def json_lines_until(
    stream: asyncio.StreamReader | None, wanted: Callable[[Line], bool], seconds: float
) -> list[Line]:
    """Reads JSON lines until one is ``wanted``; returns them all (the wanted one last)."""
    assert stream is not None
    lines: list[Line] = []

    async def read() -> list[Line]:
        while raw := await stream.readline():
            line = json.loads(raw)
            lines.append(line)
            if wanted(line):
                return lines
        raise AssertionError(f"stderr ended without the line wanted: {lines}")

    return await asyncio.wait_for(read(), seconds)


async def test_serve_logs_json_lines_with_request_and_run_ids(
    slack_emulator: SlackEmulator, db: str
) -> None:
    async with TenkfeetEmulator() as tenkfeet:
        env = serve_env(
            slack_emulator, db, TENKFEET_API_URL=tenkfeet.base_url, TENKFEET_AUTH=DEFAULT_TOKEN
        )
        env.pop("LOG_FORMAT", None)
        process = await start_serve(env)
        try:
            await first_line(process.stdout, "admin site at ", 90)
            # The hours sync at start runs in a process of its own, which logs its end.
            sync_lines = await json_lines_until(
                process.stderr,
                lambda line: line["message"].startswith("scheduled hours sync: added"),
                90,
            )
            await slack_emulator.wait_for_connections(1)
            # An event no listener takes: acked, then Bolt warns that nothing handled it.
            ack = await slack_emulator.send_event(
                {"type": "member_joined_channel", "user": "U0ADA", "channel": "C0GENERAL"}
            )
            envelope_lines = await json_lines_until(
                process.stderr, lambda line: "Unhandled request" in line["message"], 30
            )
            process.send_signal(signal.SIGTERM)
            _, rest = await asyncio.wait_for(process.communicate(), 30)
        finally:
            await kill_if_running(process)
    assert process.returncode == 0
    run = await SyncRun.get(kind="hours")
    ended = next(line for line in sync_lines if line["message"].startswith("hours sync "))
    assert ended["message"].startswith("hours sync succeeded in ")
    assert ended["run_id"] == f"sync-hours-{run.id}"
    assert ended["logger"] == "sync.runs" and ended["level"] == "INFO"
    job = sync_lines[-1]
    assert job["run_id"].startswith("job-sync-hours-") and job["run_id"] != ended["run_id"]
    unhandled = envelope_lines[-1]
    assert unhandled["request_id"] == ack.envelope_id
    assert "run_id" not in unhandled
    for line in [*sync_lines, *envelope_lines, *map(json.loads, rest.splitlines())]:
        assert {"time", "level", "logger", "message"} <= line.keys(), line
