"""`financebot notify` (not available yet: comes with its own issue)."""

from __future__ import annotations

import argparse

from core.errors import CommandError
from core.settings import Settings


async def run(settings: Settings, args: argparse.Namespace) -> int:
    raise CommandError("'notify' is not available yet")
