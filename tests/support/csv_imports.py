"""What the contract and correction import tests share: the people their files name, the file
bytes, and catching a rejection."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from models import Person
from models.flex.csv_import import ImportRejected, RowError

PEOPLE = {"ada@example.com": 1, "bob@example.com": 2}
"""The e-mail lookup the pure checks get: lower-cased e-mail → person id."""


def csv_file(header: str, *lines: str) -> bytes:
    """A CSV file: the header, then each line, each ending in a newline."""
    return ("\n".join([header, *lines]) + "\n").encode()


def rejection(check: Callable[[], object]) -> list[RowError]:
    """The errors ``check`` rejects its file with (the test fails when it accepts it)."""
    with pytest.raises(ImportRejected) as caught:
        check()
    return caught.value.errors


async def make_person(tenkfeet_id: int, email: str) -> Person:
    return await Person.create(
        tenkfeet_id=tenkfeet_id,
        guid=f"g-{tenkfeet_id}",
        first_name=email.split("@")[0],
        email=email,
    )
