"""Job claims: one run per (job, period), a crashed run taken over once its claim lapses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from models import JobClaim
from models.job_claims import (
    claim_job_run,
    finish_job_run,
    forget_job_runs,
    job_run_attempts,
    job_run_finished,
    release_job_run,
)


async def test_of_simultaneous_claims_one_wins(db: str) -> None:
    won = await asyncio.gather(*(claim_job_run("notify-x", "2026-W49", f"h{n}") for n in range(5)))
    assert sorted(won) == [False] * 4 + [True]
    assert await JobClaim.filter(job="notify-x").count() == 1
    assert await claim_job_run("notify-x", "2026-W50")  # another period is another run


async def test_an_unfinished_claim_is_taken_over_once_it_lapses(db: str) -> None:
    assert await claim_job_run("notify-x", "2026-W49", "crashed", lease=timedelta(0))
    assert await claim_job_run("notify-x", "2026-W49", "restarted")  # lapsed: taken over
    claim = await JobClaim.get(job="notify-x")
    assert claim.holder == "restarted"
    assert not await claim_job_run("notify-x", "2026-W49", "replica")  # held, not lapsed
    assert not await job_run_finished("notify-x", "2026-W49")


async def test_a_finished_run_is_never_run_again(db: str) -> None:
    assert await claim_job_run("notify-x", "2026-W49", "a", lease=timedelta(0))
    await finish_job_run("notify-x", "2026-W49")
    assert await job_run_finished("notify-x", "2026-W49")
    assert not await claim_job_run("notify-x", "2026-W49", "b")


async def test_a_released_claim_is_taken_over_at_once_and_its_attempts_counted(db: str) -> None:
    assert await job_run_attempts("notify-x", "2026-W49") == 0
    assert await claim_job_run("notify-x", "2026-W49", "first")  # a 30-minute lease
    assert await job_run_attempts("notify-x", "2026-W49") == 1
    assert not await claim_job_run("notify-x", "2026-W49", "replica")  # held: not an attempt
    await release_job_run("notify-x", "2026-W49")  # some recipients failed
    assert await claim_job_run("notify-x", "2026-W49", "catch-up")
    assert await job_run_attempts("notify-x", "2026-W49") == 2
    assert not await job_run_finished("notify-x", "2026-W49")
    await finish_job_run("notify-x", "2026-W49")
    await release_job_run("notify-x", "2026-W49")  # a finished run stays finished
    assert not await claim_job_run("notify-x", "2026-W49", "late")
    assert await job_run_attempts("notify-x", "2026-W49") == 2


async def test_claims_made_before_a_moment_are_forgotten_for_that_job_only(db: str) -> None:
    for period in ("08:00", "08:15", "08:30"):
        assert await claim_job_run("sync-hours", period)
    assert await claim_job_run("notify-x", "2026-W49")
    long_ago = datetime.now(UTC) - timedelta(days=9)
    await JobClaim.filter(period__in=("08:00", "08:15", "2026-W49")).update(claimed_at=long_ago)
    assert await forget_job_runs("sync-hours", before=datetime.now(UTC) - timedelta(days=8)) == 2
    left = sorted(await JobClaim.all().values_list("job", "period"))
    assert left == [("notify-x", "2026-W49"), ("sync-hours", "08:30")]
