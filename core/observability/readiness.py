"""What ``/readyz`` asks besides the database: the parts of the bot that must be running.

The bot names its parts when it starts (Socket Mode, the scheduler) and hands each its check
once the part exists; a part named but not handed over yet is "not started". A check answers
None when its part is ready, else a short plain reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

Check = Callable[[], Awaitable[str | None]]


class Readiness:
    """The named parts of a running bot and how to ask each whether it is ready."""

    def __init__(self, parts: Iterable[str] = ()) -> None:
        self._checks: dict[str, Check | None] = dict.fromkeys(parts)

    def watch(self, part: str, check: Check) -> None:
        """``check`` answers for ``part`` from now on."""
        self._checks[part] = check

    async def problems(self) -> list[str]:
        """One line per part that is not ready (empty when all are)."""
        found = []
        for part, check in self._checks.items():
            reason = "not started" if check is None else await check()
            if reason:
                found.append(f"{part}: {reason}")
        return found
