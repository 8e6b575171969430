"""`financebot flex EMAIL|--all [--as-of YYYY-MM-DD] [--json]`: flex saldo as the bot computes it.

One person (e-mail, case-insensitive): the saldo line ``Flex saldo for NAME is +X.XXh``, the
change from last month, the band and the monthly summary. ``--all``: every non-archived person
with an e-mail, sorted from the lowest saldo, out-of-band rows marked; people whose saldo
cannot be computed (not active, no contract) follow with the reason. All in one batch.

Tables are drawn with rich on a terminal and as plain aligned text otherwise. ``--json`` prints
one object; every hour figure in it is a string with two decimals rounded half up
(``"12.50"``, ``"-3.75"``), dates are ISO strings, and absent figures are ``null``. Keys: one
person: name, email, guid, as_of, status, saldo, change_from_last_month, band, error_day,
message, months[{month (YYYY-MM), work, leave, overtime, unpaid, expected, diff, saldo}];
``--all``: as_of, band{max_minus, max_plus}, people[...] (the same keys without months, lowest
saldo first), not_computed[...] (name, email, guid, status, error_day, message).

Exit status 0 whenever the figures could be looked up (a "not active" answer included);
an unknown e-mail ends with one line and status 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from decimal import Decimal
from typing import Any

from bot.terminal_table import print_table
from core.clock import company_yesterday
from core.db import DatabaseError, open_database
from core.errors import CommandError
from core.formatting import format_hours, hours_figure
from core.settings import Settings
from models.flex.as_of import as_of_problem
from models.flex.data import flex_for_all, flex_for_person
from models.flex.saldo import FlexResult, band_position
from models.people import Person

CENT = Decimal("0.01")
MONTH_COLUMNS = ("work", "leave", "overtime", "unpaid", "expected", "diff", "saldo")
BAND_MARKERS = {"above": "HIGH", "below": "LOW", "inside": ""}


NO_PEOPLE_YET = (
    "no people in the database yet: run `financebot sync users` (and import contracts with "
    "`financebot import contracts FILE.csv`)"
)


def hours_text(value: Decimal | None) -> str | None:
    """The JSON form: two decimals, half up, no sign for positives; None stays None."""
    return None if value is None else hours_figure(value)


def band_of(result: FlexResult, settings: Settings) -> str | None:
    if result.saldo is None:
        return None
    return band_position(result.saldo, settings.flex_max_minus, settings.flex_max_plus)


def person_json(
    person: Person, result: FlexResult, settings: Settings, *, months: bool
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": person.full_name,
        "email": person.email,
        "guid": person.guid,
        "as_of": result.as_of.isoformat(),
        "status": result.status,
        "saldo": hours_text(result.saldo),
        "change_from_last_month": hours_text(result.change_from_last_month),
        "band": band_of(result, settings),
        "error_day": result.error_day.isoformat() if result.error_day else None,
        "message": result.message,
    }
    if months:
        data["months"] = [
            {"month": m.month.strftime("%Y-%m")}
            | {column: hours_text(getattr(m, column)) for column in MONTH_COLUMNS}
            for m in result.months
        ]
    return data


def failure_json(person: Person, result: FlexResult) -> dict[str, Any]:
    return {
        "name": person.full_name,
        "email": person.email,
        "guid": person.guid,
        "status": result.status,
        "error_day": result.error_day.isoformat() if result.error_day else None,
        "message": result.message,
    }


def saldo_line(person: Person, result: FlexResult) -> str:
    if result.saldo is None:
        return f"Flex saldo for {person.full_name} cannot be shown: {result.message}"
    return f"Flex saldo for {person.full_name} is {format_hours(result.saldo)}"


def print_person(person: Person, result: FlexResult, settings: Settings) -> None:
    print(saldo_line(person, result))
    print(f"As of {result.as_of.isoformat()}")
    if result.saldo is None:
        return
    change = result.change_from_last_month
    print(f"Change from last month: {format_hours(change) if change is not None else '-'}")
    band = band_of(result, settings)
    print(
        f"Band: {band} ({format_hours(settings.flex_max_minus)} to "
        f"{format_hours(settings.flex_max_plus)})"
    )
    rows = [
        [m.month.strftime("%Y-%m"), *(format_hours(getattr(m, c))[:-1] for c in MONTH_COLUMNS)]
        for m in result.months
    ]
    print()
    print_table("Monthly summary (hours)", ["month", *MONTH_COLUMNS], rows)


def sort_key(item: tuple[Person, FlexResult]) -> tuple[Decimal, str]:
    person, result = item
    assert result.saldo is not None
    return result.saldo, person.full_name


def print_everyone(
    computed: list[tuple[Person, FlexResult]],
    failed: list[tuple[Person, FlexResult]],
    as_of: dt.date,
    settings: Settings,
) -> None:
    rows = []
    marked = []
    for person, result in computed:
        change = result.change_from_last_month
        marker = BAND_MARKERS[band_of(result, settings) or "inside"]
        marked.append(bool(marker))
        rows.append(
            [
                marker,
                format_hours(result.saldo) if result.saldo is not None else "",
                format_hours(change) if change is not None else "-",
                person.full_name,
                person.email or "",
            ]
        )
    band = f"{format_hours(settings.flex_max_minus)} to {format_hours(settings.flex_max_plus)}"
    print_table(
        f"Flex saldo as of {as_of.isoformat()}, lowest first (band {band})",
        ["", "saldo", "change", "name", "email"],
        rows,
        marked,
    )
    if failed:
        print()
        print(f"Cannot compute ({len(failed)}):")
        for person, result in failed:
            print(f"  {person.full_name} <{person.email}>: {result.message}")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    as_of: dt.date = args.as_of or company_yesterday(settings)
    problem = as_of_problem("--as-of", as_of, settings)
    if problem:
        raise CommandError(problem)
    try:
        async with open_database(settings.database_url):
            if args.all:
                results = await flex_for_all(as_of, settings)
                if not results:
                    raise CommandError(NO_PEOPLE_YET)
                computed = sorted(((p, r) for p, r in results if r.saldo is not None), key=sort_key)
                failed = [(p, r) for p, r in results if r.saldo is None]
                if args.json:
                    payload = {
                        "as_of": as_of.isoformat(),
                        "band": {
                            "max_minus": hours_text(settings.flex_max_minus),
                            "max_plus": hours_text(settings.flex_max_plus),
                        },
                        "people": [person_json(p, r, settings, months=False) for p, r in computed],
                        "not_computed": [failure_json(p, r) for p, r in failed],
                    }
                    print(json.dumps(payload, indent=2))
                else:
                    print_everyone(computed, failed, as_of, settings)
                return 0
            email = args.email.strip().lower()
            person = await Person.filter(email__iexact=email).order_by("archived", "id").first()
            if person is None:
                if not await Person.exists():
                    raise CommandError(NO_PEOPLE_YET)
                raise CommandError(f"no person with e-mail {args.email!r}")
            result = await flex_for_person(person, as_of, settings)
    except DatabaseError as exc:
        raise CommandError(str(exc)) from exc
    if args.json:
        print(json.dumps(person_json(person, result, settings, months=True), indent=2))
    else:
        print_person(person, result, settings)
    return 0
