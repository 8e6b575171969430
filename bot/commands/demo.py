"""`financebot demo` (not available yet: comes with its own issue)."""

from __future__ import annotations

import argparse

from bot.errors import CommandError
from bot.settings import Settings


async def run(settings: Settings, args: argparse.Namespace) -> int:
    raise CommandError("'demo' is not available yet")
