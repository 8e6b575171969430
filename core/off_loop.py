"""CPU-heavy pure work away from the event loop, in a worker process.

The admin site, the Slack bot and the scheduler share one event loop: a page that spends
seconds computing the whole company's flex saldos on it would hold every `/flex-hours` ack
as long. A thread does not help enough: the computation holds the GIL, and the loop's thread
waits up to the switch interval (5 ms) each time it wants it back, so acks behind a
company-wide run still took hundreds of milliseconds (``benchmarks/web_pages.py`` measures
both). A worker process leaves the loop alone; only the (plain, picklable) arguments and the
small result cross over.

The process is started on first use with "spawn" (forking a process that runs threads is
unsafe), then kept for later calls. Functions given to :meth:`WorkerProcess.run` must be
module-level and their arguments picklable.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


#: How much lower the worker's CPU priority is than the bot's (``nice``): on a small machine
#: the loop's process gets the CPU first when both want it.
WORKER_NICENESS = 10


def lower_priority() -> None:
    """Runs first in the worker process."""
    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # not permitted here: run at the same priority
        log.debug("could not lower the worker process's priority")


def lower_priority_of(pid: int) -> None:
    """Lowers the priority of ``pid`` (a child just started) by :data:`WORKER_NICENESS`
    below this process's, before it has done any work: importing the code is work too."""
    try:
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        os.setpriority(os.PRIO_PROCESS, pid, min(19, ours + WORKER_NICENESS))
    except OSError:  # gone already, or not permitted: it runs at the same priority
        log.debug("could not lower the priority of process %d", pid)


async def run_inline(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` right here, on the loop: the runner for one-off commands (the CLI) and
    tests, where nothing else waits on the loop."""
    return fn(*args)


#: How often the worker looks whether the process that started it is still there.
PARENT_CHECK_SECONDS = 0.5


def exit_with_parent(parent: int) -> None:
    """Ends this process once ``parent`` is gone. A pool's worker holds both ends of its
    own call queue, so a parent killed outright (SIGKILL, no shutdown) would leave it waiting
    forever, holding the parent's stdout and stderr open."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def start_worker(lower: bool = True) -> None:
    """Runs first in the worker process: a lower priority (unless ``lower`` is false), and
    an end with the parent's."""
    if lower:
        lower_priority()
    watch = threading.Thread(
        target=exit_with_parent, args=(os.getppid(),), name="exit-with-parent", daemon=True
    )
    watch.start()


class WorkerProcess:
    """Worker processes for pure computations (one unless told otherwise): calls beyond them
    queue up behind each other."""

    def __init__(self, *, lower_priority: bool = True, processes: int = 1) -> None:
        """``lower_priority``: start the worker at a lower CPU priority than this process
        (WORKER_NICENESS); otherwise at the same. ``processes``: how many calls run at once,
        each in a process of its own."""
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._lower_priority = lower_priority
        self._processes = processes

    def _executor(self) -> ProcessPoolExecutor:
        if self._closed:
            raise RuntimeError("the worker process has been shut down")
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self._processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_worker,
                initargs=(self._lower_priority,),
            )
        return self._pool

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the worker process; a worker that died is replaced, once."""
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._executor()
            try:
                return await loop.run_in_executor(pool, fn, *args)
            except BrokenProcessPool:
                if self._pool is pool:
                    self._pool = None
                    pool.shutdown(wait=False, cancel_futures=True)
                if attempt == 2:
                    raise
                log.warning("the worker process stopped; starting a new one")
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        """Stops the worker (waiting in a thread, not on the loop); queued calls are dropped."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
