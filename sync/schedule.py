"""Scheduled sync jobs for `serve` (filled in by the sync issue)."""

from __future__ import annotations

from typing import Any

from bot.settings import Settings


def register_sync_jobs(scheduler: Any, settings: Settings) -> None:
    """Adds the periodic sync jobs to the AsyncIOScheduler."""
    return None
