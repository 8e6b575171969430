"""`financebot demo`: the whole bot on a SQLite file and a built-in Slack workspace emulator.

The emulator lives in the test tree (tests/emulators/slack.py), so the demo runs from a
source checkout. Sample data is loaded by :func:`seed_demo_data` at start; add new kinds of
sample data there.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import sys
from pathlib import Path
from typing import Any

import bot
from bot.commands.serve import run_until_stopped
from bot.errors import CommandError
from bot.lifespan import RunningBot
from bot.settings import Settings
from bot.slack_app import build_web_client
from sync.slack_directory import sync_slack_channels, sync_slack_users

DEMO_USERS = (
    ("U0DEMOADA", "ada.lovelace@example.com", "Ada Lovelace"),
    ("U0DEMOGRACE", "grace.hopper@example.com", "Grace Hopper"),
    ("U0DEMOALAN", "alan.turing@example.com", "Alan Turing"),
)
DEMO_CHANNELS = (("C0DEMOGENERAL", "general", False), ("C0DEMOPROJECTS", "projects", False))


def load_slack_emulator_class() -> Any:
    """``tests.emulators.slack.SlackEmulator``, from the checkout that holds this package."""
    try:
        module = importlib.import_module("tests.emulators.slack")
    except ImportError:
        checkout = str(Path(bot.__file__).resolve().parent.parent)
        if checkout not in sys.path:
            sys.path.insert(0, checkout)
        try:
            module = importlib.import_module("tests.emulators.slack")
        except ImportError:
            raise CommandError(
                "the demo needs a source checkout: tests/emulators/slack.py was not found "
                f"in {checkout}"
            ) from None
    return module.SlackEmulator


async def seed_demo_data(running: RunningBot, emulator: Any) -> None:
    """Fills the emulated workspace and the database with sample data."""
    for user_id, email, name in DEMO_USERS:
        emulator.add_user(user_id, email=email, real_name=name)
    for channel_id, name, archived in DEMO_CHANNELS:
        emulator.add_channel(channel_id, name, archived=archived)
    client = build_web_client(running.settings)
    await sync_slack_users(client)
    await sync_slack_channels(client)


def demo_settings(settings: Settings, emulator: Any, data_dir: Path) -> Settings:
    env = {
        "SLACK_API_URL": emulator.api_url,
        "SLACK_BOT_TOKEN": emulator.bot_token,
        "SLACK_APP_TOKEN": emulator.app_token,
    }
    os.environ.update(env)  # anything that reads the environment again sees the emulator too
    return dataclasses.replace(
        settings,
        database_url=f"sqlite://{data_dir / 'financebot.sqlite3'}",
        slack_api_url=env["SLACK_API_URL"],
        slack_bot_token=env["SLACK_BOT_TOKEN"],
        slack_app_token=env["SLACK_APP_TOKEN"],
    )


def prepare_data_dir(raw: str) -> Path:
    data_dir = Path(raw).resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create --data-dir {raw}: {exc.strerror}") from None
    return data_dir


async def run(settings: Settings, args: argparse.Namespace) -> int:
    emulator_class = load_slack_emulator_class()
    data_dir = prepare_data_dir(args.data_dir)
    emulator = emulator_class()
    await emulator.start()

    async def on_started(running: RunningBot) -> None:
        await seed_demo_data(running, emulator)
        ada = DEMO_USERS[0][0]
        print(
            "\nDemo is ready (Ctrl-C stops it).\n"
            f"  Admin site:        {running.web_url}/healthz\n"
            f"  Slack workspace:   {emulator.base_url} (emulated)\n"
            f"  Try /flex-hours:   curl '{emulator.base_url}/try/flex-hours?user_id={ada}'\n"
            f"  Data directory:    {data_dir}",
            flush=True,
        )

    try:
        return await run_until_stopped(
            demo_settings(settings, emulator, data_dir), on_started=on_started
        )
    finally:
        await emulator.stop()
