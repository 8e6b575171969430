"""Running the installed `financebot` console script as a user would: only the settings a test
gives in its environment, and the one-line failure every command ends with."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

# Settings of docs/configuration.md: the subprocess sees only the ones a test sets.
SETTING_NAMES = {
    "DATABASE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "SLACK_NOTIFICATIONS_ADMIN",
    "TENKFEET_API_URL",
    "TENKFEET_AUTH",
    "PUBLIC_URL",
    "WEB_HOST",
    "WEB_PORT",
    "TIME_ZONE",
    "AWS_ENDPOINT_URL",
    "AWS_BILLING_BUCKET",
    "AWS_BILLING_KEY",
    "WORKDAY_HOURS",
    "FLEX_MAX_MINUS",
    "FLEX_MAX_PLUS",
    "HOURS_CURRENCY",
    "BILL_RATE_MIN",
    "BILL_RATE_MAX",
}
FINANCEBOT = shutil.which("financebot", path=str(Path(sys.executable).parent)) or shutil.which(
    "financebot"
)
CONTRACTS_HEADER = "email,start_date,end_date,worktime_percent,flex_enabled"


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.strip().splitlines()


async def financebot(*args: str, cwd: Path | None = None, **env: str) -> CliResult:
    """Runs the installed console script with only the given settings in its environment."""
    assert FINANCEBOT, "the financebot console script is not installed (pip install -e .)"
    environment = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    environment.update(env)
    process = await asyncio.create_subprocess_exec(
        FINANCEBOT,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment,
        cwd=cwd,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return CliResult(process.returncode, out.decode(), err.decode())


def assert_one_line_failure(result: CliResult, *fragments: str) -> str:
    assert result.code != 0
    assert len(result.stderr_lines) == 1, result.stderr
    line = result.stderr_lines[0]
    assert line.startswith("financebot: ")
    for fragment in fragments:
        assert fragment in line
    return line
