"""What one sync run changed: rows added, updated, deleted and skipped.

``skipped`` is what was left as it was; ``invalid`` is the upstream items among the skipped
ones that failed validation.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SyncCounts:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    invalid: int = 0

    def __add__(self, other: SyncCounts) -> SyncCounts:
        return SyncCounts(
            added=self.added + other.added,
            updated=self.updated + other.updated,
            deleted=self.deleted + other.deleted,
            skipped=self.skipped + other.skipped,
            invalid=self.invalid + other.invalid,
        )
