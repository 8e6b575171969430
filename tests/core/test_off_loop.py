"""The worker process that runs pure computations away from the event loop."""

from __future__ import annotations

import asyncio
import os
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from core.off_loop import WORKER_NICENESS, WorkerProcess

ROOT = Path(__file__).resolve().parents[2]


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


async def test_the_worker_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    """A `serve` killed outright (SIGKILL) must not leave its worker holding its pipes."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import asyncio, os, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from core.off_loop import WorkerProcess\n"
        "async def main():\n"
        "    worker = WorkerProcess()\n"
        "    print(await worker.run(os.getpid), flush=True)\n"
        "    await asyncio.sleep(60)\n"
        "if __name__ == '__main__':\n"
        "    asyncio.run(main())\n"
    )
    parent = await asyncio.create_subprocess_exec(
        sys.executable, str(script), stdout=asyncio.subprocess.PIPE
    )
    assert parent.stdout is not None
    worker_pid = int(await asyncio.wait_for(parent.stdout.readline(), 60))
    parent.kill()
    # wait() returns only once every pipe is closed: the worker's copy of stdout included.
    await asyncio.wait_for(parent.wait(), 10)
    await asyncio.wait_for(parent.stdout.read(), 10)
    for _ in range(100):
        try:
            os.kill(worker_pid, 0)
        except ProcessLookupError:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the worker outlived its parent")
