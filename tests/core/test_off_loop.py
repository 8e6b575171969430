"""The worker process that runs pure computations away from the event loop."""

from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool

import pytest

from core.off_loop import WORKER_NICENESS, WorkerProcess


async def test_runs_a_function_in_another_process_at_a_lower_priority() -> None:
    worker = WorkerProcess()
    try:
        assert await worker.run(pow, 2, 10) == 1024
        assert await worker.run(os.getpid) != os.getpid()
        # the same process serves the next call
        assert await worker.run(os.getpid) == await worker.run(os.getpid)
        assert await worker.run(os.nice, 0) >= min(os.nice(0) + WORKER_NICENESS, 19)
    finally:
        await worker.close()


async def test_errors_come_back_to_the_caller() -> None:
    worker = WorkerProcess()
    try:
        with pytest.raises(ZeroDivisionError):
            await worker.run(divmod, 1, 0)
        assert await worker.run(divmod, 7, 2) == (3, 1)
    finally:
        await worker.close()


async def test_a_closed_worker_refuses_work() -> None:
    worker = WorkerProcess()
    await worker.close()  # never started: nothing to stop
    with pytest.raises(RuntimeError, match="shut down"):
        await worker.run(pow, 2, 2)


async def test_a_worker_that_died_is_replaced() -> None:
    worker = WorkerProcess()
    try:
        with pytest.raises(BrokenProcessPool):
            await worker.run(os._exit, 3)  # dies again on the one retry
        assert await worker.run(pow, 3, 2) == 9
    finally:
        await worker.close()
