"""Running the installed `financebot` console script as a user would: only the settings a test
gives in its environment, and the one-line failure every command ends with."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def documented_setting_names() -> set[str]:
    """Every variable named in the first column of docs/configuration.md's tables."""
    rows = (DOCS / "configuration.md").read_text().splitlines()
    first_cells = [row.split("|")[1] for row in rows if row.startswith("| `")]
    return {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


SETTING_NAMES = documented_setting_names()
"""Every documented setting: the subprocess sees only the ones a test sets."""
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
