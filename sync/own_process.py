"""The syncs `serve` starts (the scheduler, *Sync now*) run in a process of their own.

A sync is mostly CPU: parsing and validating 10000ft's pages, hashing each day, building the
rows, and, once invoice figures exist, recomputing the invoices whose days changed. On the bot's
event loop a 60-day hours sync of 500 people held every `/flex-hours` ack for up to 0.5 s at a
time (``benchmarks/busy_loop.py``), and a thread would not help: the work holds the GIL. So
the bot starts ``python -m sync.own_process``, hands it the run (kind, range, force, settings)
and waits without blocking; the child opens the same database and calls
:func:`sync.dispatch.run_sync`, exactly as `financebot sync` does (lock, run record,
everything fetched before anything is written, one transaction), at a lower CPU priority so
that the bot gets the CPU first (lowered by the bot as soon as the child exists: importing
the code takes a second of CPU, and three syncs starting together held `/flex-hours` for
seconds, ``benchmarks/load.py``). Only a small outcome comes back: the run's id, or why there
was none, and how its runs ended, which the bot counts in its own metrics. The child logs to
the bot's stderr in the bot's format (JSON or text), under the bot's run id until its run
sets its own.

Stopping: a cancelled wait (shutdown, the site closing) sends the child SIGTERM; it cancels
its run, which records itself failed ("cancelled") and releases its lock, then exits. A child
that does not exit within ``STOP_WAIT`` seconds is killed; its lock is then taken over by the
next run at once (its holder names a process of this host that is gone).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from core.db import close_database, init_database, opened_database_url
from core.observability.logs import configure_logging, root_log_format, run_context, run_id
from core.off_loop import lower_priority_of
from core.settings import Settings
from models import SyncRun
from sync.dispatch import SyncUnavailable, run_sync
from sync.runs import RunEnd, SyncAlreadyRunning, collecting_ends, describe_error, observe_end

log = logging.getLogger(__name__)

#: Seconds a child gets to record its cancelled run and exit after SIGTERM.
STOP_WAIT = 4.0

#: Where the ``sync`` package lives: put first on the child's import path, so that the child
#: runs the same code as the bot whatever the working directory.
_CODE_ROOT = str(Path(__file__).resolve().parents[1])


class SyncFailed(RuntimeError):
    """The sync failed in its process (already recorded on the run); the message is one line."""


@dataclass(frozen=True)
class SyncOrder:
    """What the bot hands the child (pickled on its stdin)."""

    kind: str
    settings: Settings
    database_url: str
    start: date | None
    end: date | None
    force: bool
    log_levels: dict[str, int]
    log_format: str  # json or text
    run_id: str | None = None


@dataclass(frozen=True)
class SyncOutcome:
    """What the child hands back (pickled on its stdout)."""

    result: Literal["finished", "already running", "unavailable", "failed"]
    run_id: int | None = None
    message: str = ""
    ends: tuple[RunEnd, ...] = ()


async def run_sync_in_own_process(
    kind: str,
    settings: Settings,
    *,
    start: date | None = None,
    end: date | None = None,
    force: bool = False,
) -> SyncRun:
    """:func:`sync.dispatch.run_sync` in a child process; returns the finished run record.

    Raises as ``run_sync`` would: SyncAlreadyRunning, SyncUnavailable, or SyncFailed for any
    other failure (the run is recorded as failed and the child has logged why). An in-memory
    SQLite database cannot be shared with another process: then the sync runs here.
    """
    database_url = opened_database_url()
    if database_url is None or ":memory:" in database_url:
        return await run_sync(kind, settings, start=start, end=end, force=force)
    levels = _log_levels_of_this_process()
    order = SyncOrder(
        kind, settings, database_url, start, end, force, levels, root_log_format(), run_id.get()
    )
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        __name__,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=_child_environment(),
    )
    lower_priority_of(child.pid)
    try:
        out, _ = await child.communicate(pickle.dumps(order))
    except asyncio.CancelledError:
        await asyncio.shield(_stop(child))
        raise
    try:
        outcome = pickle.loads(out)
    except Exception:
        stopped = f"the {kind} sync process stopped (exit {child.returncode})"
        outcome = SyncOutcome("failed", message=stopped)
    if not isinstance(outcome, SyncOutcome):
        raise SyncFailed(f"the {kind} sync process answered something unexpected")
    for run_end in outcome.ends:
        observe_end(run_end)
    if outcome.result == "finished" and outcome.run_id is not None:
        return await SyncRun.get(id=outcome.run_id)
    if outcome.result == "already running":
        raise SyncAlreadyRunning(outcome.message)
    if outcome.result == "unavailable":
        raise SyncUnavailable(outcome.message)
    raise SyncFailed(outcome.message or f"the {kind} sync failed")


async def _stop(child: asyncio.subprocess.Process) -> None:
    """SIGTERM, a moment to record the cancelled run, then SIGKILL."""
    if child.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        child.terminate()
    try:
        await asyncio.wait_for(child.wait(), STOP_WAIT)
    except TimeoutError:
        log.warning("the sync process %d did not stop within %.0f s: killed", child.pid, STOP_WAIT)
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        await child.wait()


def _child_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_CODE_ROOT, env.get("PYTHONPATH")) if p)
    return env


def _log_levels_of_this_process() -> dict[str, int]:
    """The levels set on loggers here (root included, as ""), so that the child logs as the
    bot does (to the same stderr)."""
    levels = {"": logging.getLogger().getEffectiveLevel()}
    for name, logger in logging.Logger.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET:
            levels[name] = logger.level
    return levels


# --- the child -----------------------------------------------------------------------------


async def _run_order(order: SyncOrder) -> SyncOutcome:
    """Opens the database, runs the sync, closes; SIGTERM cancels the run."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    under_bot_run = run_context(order.run_id) if order.run_id else contextlib.nullcontext()
    with under_bot_run, collecting_ends() as ends:
        try:
            await init_database(order.database_url)
            try:
                run = await run_sync(
                    order.kind, order.settings, start=order.start, end=order.end, force=order.force
                )
            finally:
                await asyncio.shield(close_database())
        except SyncAlreadyRunning as exc:
            return SyncOutcome("already running", message=str(exc), ends=tuple(ends))
        except SyncUnavailable as exc:
            return SyncOutcome("unavailable", message=str(exc), ends=tuple(ends))
        except asyncio.CancelledError:
            return SyncOutcome("failed", message="cancelled", ends=tuple(ends))
        except Exception as exc:
            log.exception("the %s sync failed", order.kind)
            return SyncOutcome("failed", message=describe_error(exc), ends=tuple(ends))
        return SyncOutcome("finished", run_id=run.id, ends=tuple(ends))


def main() -> int:
    result = sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed goes with the logs; stdout carries the outcome
    # Ctrl-C in a terminal reaches the whole process group: the bot decides when its syncs
    # stop (after their grace period), and tells this process with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    order: SyncOrder = pickle.loads(sys.stdin.buffer.read())
    configure_logging(order.log_levels.get("", logging.WARNING), order.log_format, sys.stderr)
    for name, level in order.log_levels.items():
        if name:
            logging.getLogger(name).setLevel(level)
    outcome = asyncio.run(_run_order(order))
    result.write(pickle.dumps(outcome))
    result.flush()
    return 0


if __name__ == "__main__":
    # Run as ``python -m sync.own_process``: use the module under its own name, so that what
    # is pickled back names ``sync.own_process``, which the bot can load.
    from sync.own_process import main as child_main

    sys.exit(child_main())
