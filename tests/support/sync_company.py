"""A small hand-made 10000ft company and helpers shared by the sync tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from aiohttp import web

from bot.emulators.tenkfeet import DEFAULT_TOKEN, TenkfeetEmulator
from bot.emulators.tenkfeet_data import (
    TenkfeetData,
    approval,
    holiday,
    leave_type,
    phase,
    project,
    time_entry,
    user,
)
from sync.tenkfeet.client import TenkfeetClient

ALICE, BOB, CAROL, DAVE = 1, 2, 3, 4
ACME, INTERNAL = 1000, 1001
ACME_DEV, ACME_OVERTIME, INTERNAL_ADMIN = 2000, 2001, 2002
VACATION, FLEX_LEAVE, UNPAID = 50, 51, 52

DAY1 = date(2024, 3, 4)  # a Monday
DAY2 = date(2024, 3, 5)
DAY3 = date(2024, 3, 6)
APRIL_DAY = date(2024, 4, 2)


async def no_wait(seconds: float) -> None:
    """The client's sleep between retries: tests must not spend wall time."""
    return None


def small_company() -> TenkfeetData:
    data = TenkfeetData()
    data.users = [
        user(ALICE, "Alice", "Admin", "Alice.Admin@Example.COM"),
        user(BOB, "Bob", "Builder", "bob@example.com"),
        user(CAROL, "Carol", "Gone", "carol@example.com", archived=True),
        user(DAVE, "Dave", "Nomail", None),
    ]
    acme = project(ACME, "Acme portal", "Acme Oy", tags=["alice admin", "Carol Gone", "agile"])
    internal = project(
        INTERNAL, "Internal work", None, project_state="Internal", tags=["Bob Builder"]
    )
    data.projects = [
        acme,
        internal,
        phase(ACME_DEV, acme, "Development"),
        phase(ACME_OVERTIME, acme, "Overtime"),
        phase(INTERNAL_ADMIN, internal, "Administration"),
    ]
    data.leave_types = [
        leave_type(VACATION, "Vacation"),
        leave_type(FLEX_LEAVE, "Flex time Leave"),
        leave_type(UNPAID, "Unpaid leave"),
    ]
    data.holidays = [
        holiday(1, "New Year's Day", date(2024, 1, 1)),
        holiday(2, "May Day", date(2024, 5, 1)),
    ]
    store = data.time_entries
    for body in base_entries():
        store.add(body)
    return data


def base_entries() -> list[dict[str, Any]]:
    """Entries on DAY1..DAY3 and one in April: every mapping case once."""
    return [
        # Approved phase entry with a task.
        time_entry(
            1,
            ALICE,
            ACME_DEV,
            DAY1,
            "7.5",
            bill_rate="120.50",
            task="Development",
            approvals=[approval(9001, 1, "approved", updated_at="2024-03-05T10:00:00Z")],
        ),
        # Project-level entry (non phase specific), null task, pending.
        time_entry(
            2,
            BOB,
            ACME,
            DAY1,
            "2.25",
            bill_rate="99.99",
            task=None,
            notes=None,
            approvals=[approval(9002, 2, "pending")],
        ),
        # Leave entry: leave type name, zero rate and money.
        time_entry(
            3, BOB, VACATION, DAY2, "7.5", assignable_type="LeaveType", bill_rate="80", task=None
        ),
        # Zero-hour entry: skipped.
        time_entry(4, ALICE, ACME_DEV, DAY2, "0"),
        # Several approvals: the most recently updated decides (pending, newer than approved).
        time_entry(
            5,
            ALICE,
            INTERNAL_ADMIN,
            DAY3,
            "1.5",
            bill_rate="0",
            approvals=[
                approval(9005, 5, "approved", updated_at="2024-03-07T10:00:00Z"),
                approval(9006, 5, "pending", updated_at="2024-03-08T10:00:00Z"),
            ],
        ),
        time_entry(6, DAVE, ACME_OVERTIME, APRIL_DAY, "3", bill_rate="150"),
    ]


@asynccontextmanager
async def running_emulator(
    data: TenkfeetData | None = None, **options: Any
) -> AsyncIterator[TenkfeetEmulator]:
    emulator = TenkfeetEmulator(data if data is not None else small_company(), **options)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


class SignallingEmulator(TenkfeetEmulator):
    """The 10000ft emulator with the small company, telling when the first request arrives."""

    def __init__(self) -> None:
        super().__init__(small_company())
        self.arrived = asyncio.Event()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.arrived.set()
        return await super()._dispatch(request)


def client_for(emulator: TenkfeetEmulator, **options: Any) -> TenkfeetClient:
    settings: dict[str, Any] = {"max_retries": 2, "backoff": 0.0, "sleep": no_wait, "timeout": 5.0}
    settings.update(options)
    return TenkfeetClient(emulator.base_url, DEFAULT_TOKEN, **settings)
