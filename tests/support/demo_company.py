"""The demo's sample company served by the emulators, for tests that load it into `db`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.demo.company import first_day
from bot.demo.seed import LoadDisplay, SampleCompany, fill_slack_workspace, sample_company
from bot.emulators.slack import SlackEmulator
from bot.emulators.tenkfeet import TenkfeetEmulator
from core.clock import company_today
from core.settings import Settings, load_settings
from tests.conftest import bot_settings_for


@asynccontextmanager
async def served_company(
    slack: SlackEmulator,
) -> AsyncIterator[tuple[SampleCompany, TenkfeetEmulator]]:
    """A new data directory's sample company as of today (TIME_ZONE's), in both emulators."""
    today = company_today(load_settings({}))
    company = sample_company(first_day(today), today)
    fill_slack_workspace(slack, company)
    async with TenkfeetEmulator(company.tenkfeet, max_per_page=1000) as tenkfeet:
        yield company, tenkfeet


def loading_settings(db: str, slack: SlackEmulator, tenkfeet: TenkfeetEmulator) -> Settings:
    """Settings that point the syncs at both emulators and `db`."""
    return bot_settings_for(
        slack, db, TENKFEET_API_URL=tenkfeet.base_url, TENKFEET_AUTH=tenkfeet.token
    )


class RecordedSteps(LoadDisplay):
    """What the loading reported, for tests: each finished step and its result, in order."""

    def __init__(self) -> None:
        self.results: dict[str, str] = {}
        self.progress: list[tuple[str, int, int, str]] = []

    def advanced(self, step: str, done: int, total: int, unit: str) -> None:
        self.progress.append((step, done, total, unit))

    def finished(self, step: str, result: str) -> None:
        self.results[step] = result
