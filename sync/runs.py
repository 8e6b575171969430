"""Sync runs and their locks: every run is recorded, and runs of one kind never overlap.

The lock is a row in ``sync_lock`` whose primary key is the kind: inserting it succeeds for
exactly one contender, in one process or across replicas sharing the database (SQLite file or
PostgreSQL). A holder that crashed leaves a row whose ``expires_at`` lapses; the next run takes
it over with a conditional UPDATE, so two contenders cannot both take over the same stale row.
While a run is alive a background task keeps pushing ``expires_at`` forward.

A run's log lines carry its ``run_id`` (``sync-KIND-RECORD_ID``), and its end is counted in
the process's metrics (``core/observability/metrics.py``); a process that runs syncs for
another (``sync/own_process.py``) collects its ends (:func:`collecting_ends`) to hand back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Max

from core.db import is_database_outage
from core.errors import DatabaseUnavailable
from core.observability.logs import run_context
from core.observability.metrics import observe_sync_run, set_last_success
from models import SyncLock, SyncRun
from sync.counts import SyncCounts

log = logging.getLogger(__name__)

LOCK_TTL = timedelta(minutes=10)
"""How long a lock lives without renewal, unless the run says otherwise (``SYNC_LOCK_SECONDS``):
a crashed holder blocks its kind at most this long."""

RENEW_EVERY = timedelta(minutes=2)
"""The longest wait between two renewals; a shorter lock is renewed five times a lifetime."""
LOCK_LOST = "sync lock lost"


class SyncAlreadyRunning(RuntimeError):
    """Another run of the same kind holds the lock."""


def _now() -> datetime:
    return datetime.now(UTC)


def _boot_id() -> str:
    """This machine's boot id (new at every boot): two hosts never share one, even when they
    share a hostname."""
    for source in ("/proc/sys/kernel/random/boot_id", "/etc/machine-id"):
        try:
            text = Path(source).read_text().strip()
        except OSError:
            continue
        if text:
            return text.replace(":", "").replace("-", "")
    return "-"


def _pid_namespace() -> str:
    """Which process-id space our pid belongs to (containers sharing a hostname differ)."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "-"


def _process_space() -> str:
    """Where a pid means one process: this boot of this machine, this pid namespace. The
    namespace alone is not enough: every host's initial pid namespace has the same inode."""
    return f"{_boot_id()}.{_pid_namespace()}"


def holder_name() -> str:
    parts = (socket.gethostname(), str(os.getpid()), _process_space(), uuid.uuid4().hex[:8])
    return ":".join(parts)[:128]  # the column's width


def holder_is_gone(holder: str) -> bool:
    """True when ``holder`` names a process of this boot of this machine, in our pid space,
    that is gone.

    Lets a restarted process (or the next CLI run) take over at once the lock that a killed
    one left behind, instead of waiting for it to expire. Other holders (other hosts, other
    containers, a host that happens to share our hostname) are only judged by expiry.
    """
    parts = holder.split(":")
    if len(parts) != 4 or parts[0] != socket.gethostname() or parts[2] != _process_space():
        return False
    if not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, owned by someone else
        return False
    return False


@dataclass
class ActiveRun:
    """Handed to the body of ``sync_run``: set ``counts`` (or add to it) as work proceeds."""

    kind: str
    record: SyncRun
    holder: str
    counts: SyncCounts = field(default_factory=SyncCounts)
    retries: Callable[[], str] | None = None  # what the run's upstream retries were, at its end


async def acquire_lock(kind: str, holder: str, ttl: timedelta = LOCK_TTL) -> None:
    """Take the lock for ``kind`` or raise SyncAlreadyRunning naming the holder."""
    now = _now()
    try:
        await SyncLock.create(kind=kind, holder=holder, acquired_at=now, expires_at=now + ttl)
        return
    except IntegrityError:
        pass
    # Someone holds it (or held it and died): take it over only if it has expired, or if its
    # holder was a process on this host that is gone.
    current = await SyncLock.get_or_none(kind=kind)
    stale = SyncLock.filter(kind=kind, expires_at__lt=now)
    if current is not None and holder_is_gone(current.holder):
        stale = SyncLock.filter(kind=kind, holder=current.holder)
    taken = await stale.update(holder=holder, acquired_at=now, expires_at=now + ttl)
    if taken:
        log.warning("took over the %s sync lock of a stopped run", kind)
        await SyncRun.filter(kind=kind, status="running").update(
            status="failed", finished_at=now, error="abandoned: the process running it stopped"
        )
        return
    current = await SyncLock.get_or_none(kind=kind)
    if current is None:  # released between our insert and update: try once more
        try:
            await SyncLock.create(kind=kind, holder=holder, acquired_at=now, expires_at=now + ttl)
            return
        except IntegrityError:
            current = await SyncLock.get_or_none(kind=kind)
    since = current.acquired_at.isoformat(timespec="seconds") if current else "just now"
    raise SyncAlreadyRunning(f"a {kind} sync is already running (started {since})")


async def renew_lock(kind: str, holder: str, ttl: timedelta = LOCK_TTL) -> bool:
    """Push the lock's expiry forward; False when we no longer hold it."""
    return bool(await SyncLock.filter(kind=kind, holder=holder).update(expires_at=_now() + ttl))


async def release_lock(kind: str, holder: str) -> None:
    await SyncLock.filter(kind=kind, holder=holder).delete()


class SyncLockLost(RuntimeError):
    """Another run took this run's lock over (it had expired): this run stopped."""


async def _keep_renewing(
    kind: str, holder: str, run_task: asyncio.Task[Any] | None, ttl: timedelta
) -> None:
    """Pushes the lock's expiry forward; if another run took it over, stops this run."""
    every = min(RENEW_EVERY, ttl / 5)
    while True:
        await asyncio.sleep(every.total_seconds())
        try:
            renewed = await renew_lock(kind, holder, ttl)
        except Exception:  # a transient database error must not end the run
            log.exception("could not renew the %s sync lock", kind)
            continue
        if not renewed:
            log.error("lost the %s sync lock while running: stopping this run", kind)
            if run_task is not None:
                run_task.cancel(LOCK_LOST)
            return


@contextlib.asynccontextmanager
async def sync_run(
    kind: str,
    start: date | None = None,
    end: date | None = None,
    forced: bool = False,
    *,
    ttl: timedelta = LOCK_TTL,
    retries: Callable[[], str] | None = None,
) -> AsyncIterator[ActiveRun]:
    """Hold the ``kind`` lock and record the run; the body sets ``run.counts``.

    Raises SyncAlreadyRunning (and records nothing) when another run of ``kind`` is going on.
    An exception in the body marks the run failed with a one-line error and propagates.
    ``ttl``: how long the lock outlives this run should it die (it is renewed meanwhile);
    ``retries`` says, when the run ends, how its upstream was retried (recorded with it).
    """
    holder = holder_name()
    await acquire_lock(kind, holder, ttl)
    renewer: asyncio.Task[None] | None = None
    try:
        record = await SyncRun.create(
            kind=kind, start_date=start, end_date=end, forced=forced, status="running"
        )
        run = ActiveRun(kind=kind, record=record, holder=holder, retries=retries)
        renewer = asyncio.create_task(_keep_renewing(kind, holder, asyncio.current_task(), ttl))
        with run_context(f"sync-{kind}-{record.id}"):
            try:
                yield run
            except asyncio.CancelledError as exc:
                if exc.args == (LOCK_LOST,):
                    task = asyncio.current_task()
                    if task is not None:
                        task.uncancel()
                    await _finish(run, "failed", "stopped: another run took over its expired lock")
                    raise SyncLockLost(f"the {kind} sync lost its lock to another run") from None
                await _finish(run, "failed", describe_error(exc))
                raise
            except BaseException as exc:
                await _finish(run, "failed", describe_error(exc))
                raise
            await _finish(run, "succeeded", "")
    finally:
        if renewer is not None:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
        await asyncio.shield(release_lock(kind, holder))


async def _finish(run: ActiveRun, status: str, error: str) -> None:
    record = run.record
    record.status = status
    record.error = error
    record.finished_at = _now()
    record.added = run.counts.added
    record.updated = run.counts.updated
    record.deleted = run.counts.deleted
    record.skipped = run.counts.skipped
    record.invalid = run.counts.invalid
    record.retries = run.retries() if run.retries is not None else ""
    await asyncio.shield(record.save())
    _observe_end(record)


@dataclass(frozen=True)
class RunEnd:
    """How a run ended, for the metrics of the process that reports it."""

    kind: str
    outcome: str  # succeeded / failed
    seconds: float
    ended_at: float  # Unix time


_ends: ContextVar[list[RunEnd] | None] = ContextVar("sync_run_ends", default=None)


@contextlib.contextmanager
def collecting_ends() -> Iterator[list[RunEnd]]:
    """The ends of the runs made within the block (nested ones too), in order."""
    ends: list[RunEnd] = []
    token = _ends.set(ends)
    try:
        yield ends
    finally:
        _ends.reset(token)


def _observe_end(record: SyncRun) -> None:
    finished = record.finished_at or _now()
    started = record.started_at or finished
    end = RunEnd(
        record.kind, record.status, (finished - started).total_seconds(), finished.timestamp()
    )
    observe_end(end)
    why = f": {record.error}" if record.error else ""
    log.info("%s sync %s in %.1f s%s", end.kind, end.outcome, end.seconds, why)
    collected = _ends.get()
    if collected is not None:
        collected.append(end)


def observe_end(end: RunEnd) -> None:
    """Counts ``end`` in this process's metrics."""
    observe_sync_run(end.kind, end.outcome, end.seconds, end.ended_at)


async def load_last_successes() -> None:
    """Sets the metrics' last success of each kind from the run records (every replica's,
    and those from before this process started)."""
    rows = (
        await SyncRun.filter(status="succeeded", finished_at__isnull=False)
        .group_by("kind")
        .annotate(last=Max("finished_at"))
        .values("kind", "last")
    )
    for row in rows:
        last = row["last"]
        if isinstance(last, str):  # SQLite answers an aggregate as text
            last = datetime.fromisoformat(last)
        if isinstance(last, datetime):
            if last.tzinfo is None:
                last = last.replace(tzinfo=UTC)
            set_last_success(str(row["kind"]), last.timestamp())


def describe_error(exc: BaseException) -> str:
    """One line for the run record and the operator."""
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"
    if isinstance(exc, asyncio.TimeoutError | TimeoutError) and not str(exc):
        return "timed out"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text or type(exc).__name__
    if is_database_outage(exc) and not isinstance(exc, DatabaseUnavailable):
        return OUT_OF_REACH + text
    return text


OUT_OF_REACH = "database out of reach: "
"""How a run's error begins when the database could not be reached."""


# --- runs that could not record themselves ---------------------------------------------------


async def record_failed_attempt(kind: str, started: datetime, error: str) -> None:
    """Records a run of ``kind`` begun at ``started`` that ended with ``error`` without saying
    so itself (its process could not reach the database, or was gone before it could write).

    Its record, if it made one and left it running, is marked failed with ``error`` (unless a
    live run of the kind holds the lock now: that record may be the live run's, and the next
    run to take the lock over marks it anyway); if it made none (the database was out of reach
    from the start), a failed one is added; a record it finished itself is left as it is. Only
    for a run whose process has ended.
    """
    now = _now()
    if await SyncRun.filter(kind=kind, started_at__gte=started).exclude(status="running").exists():
        return
    if await SyncRun.filter(kind=kind, status="running", started_at__gte=started).exists():
        if await lock_in_use(kind) is None:
            await SyncRun.filter(kind=kind, status="running", started_at__gte=started).update(
                status="failed", finished_at=now, error=error
            )
        return
    record = await SyncRun.create(kind=kind, status="failed", finished_at=now, error=error)
    await SyncRun.filter(id=record.id).update(started_at=started)


async def finished_since(kind: str, moment: datetime) -> bool:
    """Whether a run of ``kind`` succeeded at or after ``moment`` (on any replica)."""
    return await SyncRun.filter(kind=kind, status="succeeded", finished_at__gte=moment).exists()


# --- what the admin site shows -------------------------------------------------------------


async def latest_runs(kinds: Sequence[str]) -> dict[str, SyncRun]:
    """The most recent run of each of ``kinds``; kinds that never ran are absent."""
    latest: dict[str, SyncRun] = {}
    for kind in kinds:
        run = await SyncRun.filter(kind=kind).order_by("-started_at", "-id").first()
        if run is not None:
            latest[kind] = run
    return latest


async def recent_runs(limit: int = 20) -> list[SyncRun]:
    """The last ``limit`` runs of every kind, newest first."""
    return await SyncRun.all().order_by("-started_at", "-id").limit(limit)


async def lock_in_use(kind: str) -> SyncLock | None:
    """The lock of a run of ``kind`` that is going on now (anywhere), or None.

    A lock that has expired, or whose holder was a process on this host that is gone, does not
    count: the next run takes it over (see :func:`acquire_lock`).
    """
    lock = await SyncLock.get_or_none(kind=kind)
    if lock is None or lock.expires_at < _now() or holder_is_gone(lock.holder):
        return None
    return lock
