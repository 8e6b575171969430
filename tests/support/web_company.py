"""A small company for the admin-site tests, with hand-counted flex figures.

The company (as of 2025-02-28, hand-counted; band -40 … +120):
- Alice Aalto, 100 % flex from 2025-01-01 (open-ended). January has 21 workdays (1 and 6 Jan
  are holidays): a workday's 7.5 h on each except +1 h on 2 Jan, vacation on 10 Jan, unpaid
  leave on 20 Jan, flex time leave on 22 Jan (not counted); 2 h on Saturday 11 Jan, 1 h on the
  6 Jan holiday; not counted: 4 h vacation on Saturday 25 Jan, 3 h on an overtime phase,
  5 h unsubmitted. A +10 h correction on 15 Jan. January: work 139, leave 7.5, overtime 3,
  unpaid 7.5, expected 157.5 - 7.5 = 150, diff -3.50, saldo +6.50. February: 20 workdays of
  7.5 h, +2.25 h on 14 Feb: diff +2.25, saldo +8.75. A +100 h correction on 5 March waits.
- Bob Berg: contract ended 2024-12-31, so flex is not active.
- Carol Cole: contracts 1-15 Jan and from 1 Feb: no contract on 2025-01-16.
- Frank Fisher: 80 % from 1 Feb, no hours: 20 × 6 h expected, saldo -120.00 (below the band).
- Gina Gray: from 1 Feb, set_to 300 on 1 Feb, no hours: +150.00 (above the band).
- Dave Dunn: archived. Erin <b>Eck</b>: no e-mail (and a name that must be escaped).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from models import FlexCorrection, Person, PublicHoliday, WorkContract
from tests.support.flex_people import add_entry

AS_OF = "2025-02-28"
_ids = itertools.count(5000)
D = dt.date


@dataclass
class Company:
    alice: Person
    bob: Person
    carol: Person
    frank: Person
    gina: Person
    dave: Person
    erin: Person


async def make_person(
    first: str, last: str, *, email: bool = True, slack_id: str | None = None, archived=False
) -> Person:
    n = next(_ids)
    return await Person.create(
        tenkfeet_id=n,
        guid=f"{first.lower()}-{n:06d}-guid",
        first_name=first,
        last_name=last,
        email=f"{first.lower()}@example.com" if email else None,
        slack_id=slack_id,
        archived=archived,
    )


async def contract(
    person: Person, start: dt.date, end: dt.date | None, percent: int = 100, flex: bool = True
) -> None:
    await WorkContract.create(
        person=person, start_date=start, end_date=end, worktime_percent=percent, flex_enabled=flex
    )


def workdays(start: dt.date, end: dt.date, holidays: set[dt.date]) -> list[dt.date]:
    days = (start + dt.timedelta(days=n) for n in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5 and d not in holidays]


async def build_company() -> Company:
    holidays = {D(2025, 1, 1), D(2025, 1, 6)}
    for day in holidays:
        await PublicHoliday.create(date=day, name="Holiday")

    alice = await make_person("Alice", "Aalto", slack_id="UALICE")
    await contract(alice, D(2025, 1, 1), None)
    special = {
        D(2025, 1, 2): ("8.5", ""),
        D(2025, 1, 10): ("7.5", "Vacation"),
        D(2025, 1, 20): ("7.5", "Unpaid leave"),
        D(2025, 1, 22): ("7.5", "Flex time Leave"),
        D(2025, 2, 14): ("9.75", ""),
    }
    for day in workdays(D(2025, 1, 1), D(2025, 2, 28), holidays):
        hours, leave = special.get(day, ("7.5", ""))
        await add_entry(alice, day, hours, leave_type=leave)
    await add_entry(alice, D(2025, 1, 11), "2")
    await add_entry(alice, D(2025, 1, 6), "1")
    await add_entry(alice, D(2025, 1, 25), "4", leave_type="Vacation")
    await add_entry(alice, D(2025, 1, 15), "3", phase="Overtime work")
    await add_entry(alice, D(2025, 1, 21), "5", status="Unsubmitted")
    await FlexCorrection.create(
        person=alice, date=D(2025, 1, 15), adjust_by=Decimal(10), note="moved from old system"
    )
    await FlexCorrection.create(person=alice, date=D(2025, 3, 5), adjust_by=Decimal(100))

    bob = await make_person("Bob", "Berg")
    await contract(bob, D(2024, 6, 1), D(2024, 12, 31))
    carol = await make_person("Carol", "Cole")
    await contract(carol, D(2025, 1, 1), D(2025, 1, 15))
    await contract(carol, D(2025, 2, 1), None)
    frank = await make_person("Frank", "Fisher")
    await contract(frank, D(2025, 2, 1), None, percent=80)
    gina = await make_person("Gina", "Gray")
    await contract(gina, D(2025, 2, 1), None)
    await FlexCorrection.create(person=gina, date=D(2025, 2, 1), set_to=Decimal(300))
    dave = await make_person("Dave", "Dunn", archived=True)
    await contract(dave, D(2025, 1, 1), None)
    erin = await make_person("Erin", "<b>Eck</b>", email=False)
    return Company(alice, bob, carol, frank, gina, dave, erin)
