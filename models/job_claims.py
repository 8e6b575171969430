"""Scheduled jobs claim their run in the database, so that of several replicas one acts.

A run claims ``(job, period)`` with one insert on a unique key; the first caller on any
replica wins. The claim lasts until the run finishes (:func:`finish_job_run`) or, should the
process die half-way, until it expires: then the next run (a restart catching up, or another
replica's next tick) takes it over with a conditional update, atomic too, and carries on where
the ledger shows the crashed run stopped. A run that ends with some recipients failed may
:func:`release_job_run` instead of finishing, so that the next run takes over at once and
tries them again; ``attempts`` counts the runs that held the claim, so the caller can stop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from models.bookkeeping import JobClaim

DEFAULT_LEASE = dt.timedelta(minutes=30)


async def claim_job_run(
    job: str, period: str, holder: str = "", *, lease: dt.timedelta = DEFAULT_LEASE
) -> bool:
    """True for the caller that now holds ``job`` for ``period`` (e.g. ``2026-10``): the first
    one, or one that takes over an unfinished claim whose lease ran out; False for the rest."""
    now = dt.datetime.now(dt.UTC)
    try:
        async with in_transaction():
            await JobClaim.create(
                job=job, period=period, holder=holder[:128], expires_at=now + lease
            )
        return True
    except IntegrityError:
        pass
    taken = (
        await JobClaim.filter(job=job, period=period, finished_at=None)
        .filter(Q(expires_at__lt=now) | Q(expires_at=None))
        .update(
            holder=holder[:128],
            claimed_at=now,
            expires_at=now + lease,
            attempts=F("attempts") + 1,
        )
    )
    return bool(taken)


async def release_job_run(job: str, period: str, *, at: dt.datetime | None = None) -> None:
    """Ends this run without finishing ``job`` for ``period``: the next run takes it over at
    once (its lease has run out) rather than after the lease, or from ``at`` on."""
    await JobClaim.filter(job=job, period=period, finished_at=None).update(
        expires_at=at or dt.datetime.now(dt.UTC)
    )


async def next_claim_lapse(claims: Iterable[tuple[str, str]]) -> dt.datetime | None:
    """The earliest moment one of these unfinished (job, period) claims, held now, lapses:
    when a run can take it over. None when none is held."""
    now = dt.datetime.now(dt.UTC)
    lapses: list[dt.datetime] = []
    for job, period in claims:
        expires = (
            await JobClaim.filter(job=job, period=period, finished_at=None, expires_at__gte=now)
            .first()
            .values_list("expires_at", flat=True)
        )
        if isinstance(expires, dt.datetime):
            lapses.append(expires)
    return min(lapses, default=None)


async def job_run_attempts(job: str, period: str) -> int:
    """How many runs have held ``job`` for ``period`` (0: none yet)."""
    claim = await JobClaim.get_or_none(job=job, period=period)
    return claim.attempts if claim is not None else 0


async def finish_job_run(job: str, period: str) -> None:
    """Marks the run done: nobody runs ``job`` for ``period`` again."""
    await JobClaim.filter(job=job, period=period).update(finished_at=dt.datetime.now(dt.UTC))


async def unfinished_claim(job: str, period: str) -> JobClaim | None:
    """The claim on ``job`` for ``period`` while it is not finished (live or lapsed)."""
    return await JobClaim.get_or_none(job=job, period=period, finished_at=None)


async def job_run_finished(job: str, period: str) -> bool:
    return await JobClaim.filter(job=job, period=period).exclude(finished_at=None).exists()


async def forget_job_runs(job: str, *, before: dt.datetime) -> int:
    """Deletes ``job``'s claims made before ``before``: a job with a period every few minutes
    (a sync) would otherwise leave a row for each. Returns how many went."""
    return await JobClaim.filter(job=job, claimed_at__lt=before).delete()
