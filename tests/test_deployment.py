"""The Dockerfile, .dockerignore and Procfile against the code, without Docker.

The Dockerfile is read with Docker's own parser (the ``dockerfile`` package wraps BuildKit's):
its entry point and commands must exist in the CLI, it must copy every package the wheel
ships and nothing .dockerignore leaves out, run as a user other than root, listen where the
settings say and check its health with Python (the slim image has no curl), and that health
check must answer for a running admin site and fail without one.
"""

from __future__ import annotations

import argparse
import asyncio
import fnmatch
import os
import re
import socket
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlparse

import dockerfile

from bot.cli import build_parser
from core.settings import load_settings
from tests.conftest import BotUnderTest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def instructions() -> list[dockerfile.Command]:
    return list(dockerfile.parse_file(str(ROOT / "Dockerfile")))


def stages() -> list[list[dockerfile.Command]]:
    """The build stages, each from its FROM on."""
    found: list[list[dockerfile.Command]] = []
    for command in instructions():
        if command.cmd == "FROM":
            found.append([])
        if found:
            found[-1].append(command)
    return found


def final(name: str) -> dockerfile.Command:
    """The last ``name`` instruction of the final stage (the one that counts)."""
    matching = [c for c in stages()[-1] if c.cmd == name]
    assert matching, f"the final stage has no {name}"
    return matching[-1]


def image_env() -> dict[str, str]:
    values: dict[str, str] = {}
    for command in stages()[-1]:
        if command.cmd == "ENV":
            pairs = command.value
            values.update(zip(pairs[::2], pairs[1::2], strict=True))
    return values


def cli_commands() -> set[str]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(sub.choices)


def test_the_image_runs_the_cli_with_serve_by_default_and_the_demo_on_request() -> None:
    entrypoint, cmd = final("ENTRYPOINT"), final("CMD")
    assert entrypoint.json and cmd.json  # exec form: signals reach financebot itself
    assert entrypoint.value == ("financebot",)
    assert PYPROJECT["project"]["scripts"]["financebot"] == "bot.cli:main"
    assert cmd.value == ("serve",)
    assert {"serve", "demo", "migrate"} <= cli_commands()


def test_two_stages_on_a_slim_python_new_enough() -> None:
    (arg,) = [c for c in instructions() if c.cmd == "ARG" and c.value[0].startswith("PYTHON_")]
    name, image = arg.value[0].split("=", 1)
    build, run = stages()[0][0], stages()[-1][0]
    assert len(stages()) == 2
    assert build.value[0] == run.value[0] == f"${{{name}}}"
    match = re.fullmatch(r"python:(\d+)\.(\d+)-slim(-\w+)?", image)
    assert match, image
    required = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert (int(match[1]), int(match[2])) >= tuple(int(p) for p in required.split("."))


def test_the_build_copies_every_package_the_wheel_ships_and_nothing_ignored() -> None:
    copied: set[str] = set()
    for command in stages()[0]:
        if command.cmd == "COPY":
            assert not any(flag.startswith("--from") for flag in command.flags)
            copied.update(command.value[:-1])
    shipped = {
        p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert shipped | {"pyproject.toml", PYPROJECT["project"]["readme"]} == copied
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith(("#", "!"))
    ]
    for source in copied:
        assert (ROOT / source).exists(), source
        assert not [p for p in ignored if fnmatch.fnmatch(source, p)], source
    assert ".env" in ignored  # secrets never reach the build


def test_the_image_runs_as_a_user_without_privileges() -> None:
    user = final("USER").value[0]
    uid = user.split(":")[0]
    assert uid not in ("root", "0")
    (install,) = [c for c in stages()[-1] if c.cmd == "RUN" and "useradd" in c.value[0]]
    assert re.search(rf"useradd\b.*--uid {uid}\b", install.value[0])
    # The user's home and working directory is the volume: the demo's data goes there.
    assert final("WORKDIR").value == ("/data",) == final("VOLUME").value
    assert "chown financebot:financebot /data" in install.value[0]


def test_the_admin_site_listens_on_every_address_on_the_exposed_port() -> None:
    settings = load_settings(image_env())
    assert final("EXPOSE").value == (str(settings.web_port),)
    assert not settings.web_is_loopback  # reachable from outside the container
    assert settings.web_local_host == "127.0.0.1"


def healthcheck() -> list[str]:
    check = final("HEALTHCHECK")
    assert check.json and check.value[0] == "CMD"
    assert any(flag.startswith("--start-period=") for flag in check.flags)
    command = list(check.value[1:])
    assert command[0] == "python" and "curl" not in " ".join(command)
    return [sys.executable, *command[1:]]


async def run_healthcheck(port: int) -> int:
    process = await asyncio.create_subprocess_exec(
        *healthcheck(),
        env={**os.environ, "WEB_PORT": str(port)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await asyncio.wait_for(process.wait(), 30)


async def test_the_health_check_passes_for_a_running_site_and_fails_without_one(
    running_bot: BotUnderTest,
) -> None:
    port = urlparse(running_bot.web_url).port
    assert port is not None
    assert await run_healthcheck(port) == 0
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed = unused.getsockname()[1]
    assert await run_healthcheck(closed) != 0


def test_procfile_migrates_once_per_release_then_serves_on_the_platform_port() -> None:
    processes = dict(
        line.split(": ", 1)
        for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
    assert processes["release"] == "financebot migrate"
    assert processes["web"] == "WEB_HOST=0.0.0.0 WEB_PORT=${PORT:-8080} financebot serve"
    for command in processes.values():
        assert command.split("financebot ", 1)[1].split()[0] in cli_commands()
