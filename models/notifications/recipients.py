"""Who a notification goes to, as Slack conversations (docs/domain-rules.md, "Notifications").

One person gets a DM; two to eight share one group DM (``conversations.open`` takes at most
eight users); more are split into group DMs of at most eight, as even as possible. When nobody
of the audience has a Slack account, the message goes to the notifications admins
(``SLACK_NOTIFICATIONS_ADMIN``) instead. Pure functions over Slack user ids.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GROUP_DM_MAX = 8


@dataclass(frozen=True, slots=True)
class Conversation:
    """The Slack users of one DM or group DM. ``for_admins``: they stand in for an audience
    without Slack accounts."""

    users: tuple[str, ...]
    for_admins: bool = False

    @property
    def key(self) -> str:
        """How the ledger names the recipient: the user ids, sorted, comma-separated."""
        return ",".join(sorted(self.users))

    @property
    def kind(self) -> str:
        return "DM" if len(self.users) == 1 else "group DM"


def split_evenly(users: Sequence[str], size: int = GROUP_DM_MAX) -> list[tuple[str, ...]]:
    """``users`` in consecutive parts of at most ``size``, as even as possible (9 → 5 + 4)."""
    if not users:
        return []
    parts = math.ceil(len(users) / size)
    base, extra = divmod(len(users), parts)
    result, start = [], 0
    for n in range(parts):
        length = base + (1 if n < extra else 0)
        result.append(tuple(users[start : start + length]))
        start += length
    return result


def conversations_for(
    slack_ids: Iterable[str | None], notifications_admins: Iterable[str]
) -> list[Conversation]:
    """The conversations that reach ``slack_ids`` (people without Slack give None); the
    notifications admins when none of them has Slack; nothing when there are none either."""
    users = sorted({user for user in slack_ids if user})
    if users:
        return [Conversation(part) for part in split_evenly(users)]
    admins = sorted(set(notifications_admins))
    return [Conversation(part, for_admins=True) for part in split_evenly(admins)]
