"""Scheduled jobs claim their run in the database, so that of several replicas one acts."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.bookkeeping import JobClaim


async def claim_job_run(job: str, period: str, holder: str = "") -> bool:
    """True for the first caller that claims ``job`` for ``period`` (e.g. ``2026-10``);
    everyone after it, on any replica, gets False. One insert on a unique key."""
    try:
        async with in_transaction():
            await JobClaim.create(job=job, period=period, holder=holder[:128])
    except IntegrityError:
        return False
    return True
