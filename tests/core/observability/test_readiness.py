"""What /readyz asks besides the database: named parts, each ready or with a reason."""

from __future__ import annotations

from core.observability.readiness import Readiness


async def test_a_part_named_but_not_handed_over_is_not_started() -> None:
    readiness = Readiness(("Socket Mode", "scheduler"))
    assert await readiness.problems() == [
        "Socket Mode: not started",
        "scheduler: not started",
    ]


async def test_each_part_answers_for_itself() -> None:
    readiness = Readiness(("Socket Mode", "scheduler"))
    state = {"Socket Mode": "not connected", "scheduler": None}

    async def socket_mode() -> str | None:
        return state["Socket Mode"]

    async def scheduler() -> str | None:
        return state["scheduler"]

    readiness.watch("Socket Mode", socket_mode)
    readiness.watch("scheduler", scheduler)
    assert await readiness.problems() == ["Socket Mode: not connected"]
    state["Socket Mode"] = None
    assert await readiness.problems() == []
    assert await Readiness().problems() == []
