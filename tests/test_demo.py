"""`financebot demo` runs from a checkout with the built-in Slack emulator and answers."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp


async def test_demo_answers_flex_hours_and_stops_on_sigint(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "WEB_"))}
    env.pop("PYTHONPATH", None)  # the demo must find tests/emulators from the package itself
    env["WEB_PORT"] = "0"
    data_dir = tmp_path / "demo-data"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "demo",
        "--data-dir",
        str(data_dir),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        output = b""
        while b"Try /flex-hours" not in output:
            line = await asyncio.wait_for(process.stdout.readline(), 90)
            assert line, output.decode()
            output += line
        try_url = re.search(r"curl '([^']+)'", output.decode())
        health_url = re.search(r"(http://\S+/healthz)", output.decode())
        assert try_url and health_url, output.decode()
        async with aiohttp.ClientSession() as session:
            async with session.get(health_url.group(1)) as response:
                assert (response.status, await response.text()) == (200, "ok")
            async with session.get(try_url.group(1)) as response:
                answer = await response.json()
        assert answer["replies"] and answer["replies"][0]["response_type"] == "ephemeral"
        assert (data_dir / "financebot.sqlite3").exists()
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
