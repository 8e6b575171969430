"""A sync run's end in the metrics (runs and durations by kind and outcome, the last success)
and its run id on its log lines, whether it ran here or in a process of its own."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.emulators.tenkfeet import DEFAULT_TOKEN
from core.observability.logs import log_handler, run_context
from core.settings import Settings
from models import SyncRun
from sync.own_process import SyncFailed, run_sync_in_own_process
from sync.runs import collecting_ends, sync_run
from tests.support.metrics import sample
from tests.support.sync_company import running_emulator

RUNS = "financebot_sync_runs_total"
SECONDS = "financebot_sync_run_duration_seconds_count"
LAST_SUCCESS = "financebot_sync_last_success_timestamp_seconds"
WAIT = 30.0  # a child process starts in about a second; a busy machine takes longer


@pytest.fixture
def sync_log() -> Iterator[io.StringIO]:
    """The JSON lines logged under ``sync`` (the runs' own loggers)."""
    buffer = io.StringIO()
    logger = logging.getLogger("sync")
    handler = log_handler(buffer, json=True)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def counts(kind: str) -> tuple[float, float, float, float]:
    return (
        sample(RUNS, kind=kind, outcome="succeeded"),
        sample(RUNS, kind=kind, outcome="failed"),
        sample(SECONDS, kind=kind, outcome="succeeded"),
        sample(SECONDS, kind=kind, outcome="failed"),
    )


async def test_a_run_counts_its_end_and_logs_under_its_run_id(
    db: str, sync_log: io.StringIO
) -> None:
    before = counts("holidays")
    with collecting_ends() as ends:
        async with sync_run("holidays") as run:
            logging.getLogger("sync.tenkfeet").warning("inside the run")
    record = await SyncRun.get(id=run.record.id)
    assert record.finished_at is not None
    assert counts("holidays") == (before[0] + 1, before[1], before[2] + 1, before[3])
    assert sample(LAST_SUCCESS, kind="holidays") == pytest.approx(record.finished_at.timestamp())
    assert [(end.kind, end.outcome) for end in ends] == [("holidays", "succeeded")]
    inside, finished = (json.loads(line) for line in sync_log.getvalue().splitlines())
    assert inside["run_id"] == finished["run_id"] == f"sync-holidays-{record.id}"
    assert finished["message"].startswith("holidays sync succeeded in ")


async def test_a_failed_run_counts_as_failed_and_leaves_the_last_success(db: str) -> None:
    async with sync_run("leave-types"):
        pass
    last = sample(LAST_SUCCESS, kind="leave-types")
    before = counts("leave-types")
    with pytest.raises(RuntimeError):
        async with sync_run("leave-types"):
            raise RuntimeError("10000ft said no")
    assert counts("leave-types") == (before[0], before[1] + 1, before[2], before[3] + 1)
    assert sample(LAST_SUCCESS, kind="leave-types") == last


async def test_runs_in_their_own_process_are_counted_here(db: str) -> None:
    """The child's metrics die with it: the bot counts the ends it hands back, nested runs
    and failures included."""
    before = counts("users")
    async with running_emulator() as emulator:
        settings = Settings(tenkfeet_api_url=emulator.base_url, tenkfeet_auth=DEFAULT_TOKEN)
        with run_context("job-sync-users-1"):
            run = await asyncio.wait_for(run_sync_in_own_process("users", settings), WAIT)
        bad = Settings(tenkfeet_api_url=emulator.base_url, tenkfeet_auth="wrong")
        with pytest.raises(SyncFailed):
            await asyncio.wait_for(run_sync_in_own_process("users", bad), WAIT)
    assert run.finished_at is not None
    assert counts("users") == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 1)
    assert sample(LAST_SUCCESS, kind="users") == pytest.approx(run.finished_at.timestamp())
