"""How long one run may wait for an upstream's retries in all, and what it waited.

Each client a run uses (10000ft for a sync, Slack for a directory sync or a notification
batch) gets a :class:`RetryBudget`. Every wait before a retry (a 429's ``Retry-After``, the
backoff after a 5xx or a dropped connection) is capped by its client, and all the run's waits
together by the budget's ``total`` (``TENKFEET_RETRY_WAIT_SECONDS``,
``SLACK_RETRY_WAIT_SECONDS``): a retry that would go over it is not made, so the request
fails with the upstream's own error and the run ends cleanly (a failed sync is recorded and
tried again later; a notification is recorded failed for the next run). A storm cannot hold a
run for longer than that however many requests it makes. Each retry is counted by its cause,
and :meth:`RetryBudget.describe` says it in one line for the run record and the log.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class RetryBudget:
    total: float
    """Seconds all of a run's waits may add up to."""
    waited: float = 0.0
    causes: Counter[str] = field(default_factory=Counter)

    def allows(self, seconds: float) -> bool:
        """Whether a further wait of ``seconds`` stays within the total."""
        return self.waited + max(seconds, 0.0) <= self.total

    def spend(self, cause: str, seconds: float) -> None:
        """Counts one retry (``cause``: ``HTTP 429``, ``HTTP 503``, ``ConnectError`` …)."""
        self.waited += max(seconds, 0.0)
        self.causes[cause] += 1

    @property
    def retries(self) -> int:
        return sum(self.causes.values())

    def describe(self, upstream: str) -> str:
        """``10000ft: 12 retries (HTTP 429 ×10, HTTP 503 ×2), 37.5 s waited``; "" if none."""
        if not self.retries:
            return ""
        causes = ", ".join(f"{cause} ×{n}" for cause, n in sorted(self.causes.items()))
        plural = "retry" if self.retries == 1 else "retries"
        return f"{upstream}: {self.retries} {plural} ({causes}), {self.waited:.1f} s waited"

    def spent_note(self) -> str:
        """Why a retry was not made, for the error that ends the request."""
        return f"retries of this run would wait more than {self.total:g} s in all"
