"""Finding the person behind a Slack account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from models import Person
from models.people_directory import person_for_slack_user
from tests.support.flex_people import make_person


async def test_the_person_behind_a_slack_id_is_the_one_the_orm_reads(db: str) -> None:
    made = await make_person("Ada", "Lovelace", "U0ADA")
    await Person.filter(id=made.id).update(
        billrate=Decimal("120.50"),
        hire_date=dt.date(2020, 2, 3),
        archived_at=None,
        thumbnail="https://example.com/ada.png",
    )
    found = await person_for_slack_user("U0ADA")
    stored = await Person.get(id=made.id)
    assert found is not None
    names = [field for field in Person._meta.fields_map if field in Person._meta.db_fields]
    assert {n: getattr(found, n) for n in names} == {n: getattr(stored, n) for n in names}
    assert found.full_name == "Ada Lovelace"
    found.role = "Countess"  # a model like any other: it can be saved
    await found.save(update_fields=["role"])
    assert (await Person.get(id=made.id)).role == "Countess"


async def test_an_active_person_is_found_before_an_archived_one(db: str) -> None:
    active = await make_person("Bob", "Active", "U0BOB")
    gone = await make_person("Bob", "Gone", "U0BOB", archived=True)  # newer, but archived
    found = await person_for_slack_user("U0BOB")
    assert found is not None and found.id == active.id
    await Person.filter(id=active.id).update(archived=True)
    newest = await person_for_slack_user("U0BOB")
    assert newest is not None and newest.id == gone.id  # both archived: the newest


async def test_nobody_is_found_for_an_unknown_or_empty_slack_id(db: str) -> None:
    await make_person("Cy", "Nobody", None)
    assert await person_for_slack_user("U0UNKNOWN") is None
    assert await person_for_slack_user("") is None
