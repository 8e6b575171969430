"""Who a notification reaches: a DM, one group DM, group DMs of at most eight, or the admins."""

from __future__ import annotations

import pytest

from models.notifications.recipients import Conversation, conversations_for, split_evenly

ADMINS = ("U0ADMIN2", "U0ADMIN1")


def users(n: int) -> list[str]:
    return [f"U{i:03d}" for i in range(n)]


def test_one_person_gets_a_dm() -> None:
    assert conversations_for(["U1"], ADMINS) == [Conversation(("U1",))]
    assert conversations_for(["U1"], ADMINS)[0].kind == "DM"


@pytest.mark.parametrize("n", [2, 5, 8])
def test_two_to_eight_share_one_group_dm(n: int) -> None:
    (group,) = conversations_for(reversed(users(n)), ADMINS)
    assert group.users == tuple(users(n)) and group.kind == "group DM"
    assert group.key == ",".join(users(n))  # sorted: the same people, the same ledger key


@pytest.mark.parametrize(
    ("n", "sizes"), [(9, [5, 4]), (16, [8, 8]), (17, [6, 6, 5]), (25, [7, 6, 6, 6])]
)
def test_more_than_eight_are_split_evenly(n: int, sizes: list[int]) -> None:
    parts = conversations_for(users(n), ADMINS)
    assert [len(p.users) for p in parts] == sizes
    assert [u for p in parts for u in p.users] == users(n)  # everyone once, in order


def test_people_without_slack_and_duplicates_are_left_out() -> None:
    assert conversations_for(["U2", None, "U1", "U2", ""], ADMINS) == [Conversation(("U1", "U2"))]


def test_nobody_on_slack_goes_to_the_notifications_admins() -> None:
    assert conversations_for([None, None], ADMINS) == [
        Conversation(("U0ADMIN1", "U0ADMIN2"), for_admins=True)
    ]
    assert conversations_for([], ()) == []


def test_split_evenly_of_nothing() -> None:
    assert split_evenly([]) == []
    assert split_evenly(users(3), size=1) == [("U000",), ("U001",), ("U002",)]
