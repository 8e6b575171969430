"""Who gets the monthly flex saldo message, with what: rule 8 as of L = 2026-10-31 (a run on
Wednesday 2026-11-04), hand-counted.

September 2026 has 22 workdays (Tue 1 … Wed 30), October 22 (Thu 1 … Fri 30); no holidays;
a 100 % contract's workday is 7.50 h. "Full days" means exactly 7.50 h of work on every
workday, so the saldo is only what a test adds or leaves out.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from models.flex.company import ListedPerson, SaldoSummary
from models.flex.saldo import Contract, Correction, DayHours, FlexInput, compute_flex
from models.notifications.flex_saldo import flex_saldo_notices

D = dt.date
L = D(2026, 10, 31)
WORKDAY = Decimal("7.5")
MINUS, PLUS = Decimal(-40), Decimal(120)
SEPTEMBER = D(2026, 9, 1)


def person(n: int, name: str, slack_id: str = "", *, archived: bool = False) -> ListedPerson:
    return ListedPerson(n, f"g-{n}", name, f"p{n}@example.com", slack_id, archived)


def workdays(first: dt.date, last: dt.date) -> list[dt.date]:
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]


def summary(
    contracts: list[Contract],
    *,
    extra: dict[dt.date, str] | None = None,
    missing: tuple[dt.date, ...] = (),
    corrections: tuple[Correction, ...] = (),
    full_from: dt.date = SEPTEMBER,
) -> SaldoSummary:
    """The engine's summary as of L for full days from ``full_from`` to L, with ``extra``
    hours on some days and nothing on the ``missing`` ones."""
    days = {}
    for day in workdays(full_from, L):
        if day in missing:
            continue
        hours = WORKDAY + Decimal((extra or {}).get(day, "0"))
        days[day] = DayHours(day, work=hours)
    result = compute_flex(FlexInput(contracts, corrections, days, frozenset()), L, WORKDAY)
    return SaldoSummary(
        result.status, result.saldo, result.change_from_last_month, result.error_day, result.message
    )


FROM_SEPTEMBER = [Contract(SEPTEMBER, None, 100)]


def test_the_four_messages_of_rule_8_and_nobody_else() -> None:
    above = person(1, "Above Band", "U01")  # set to +200 on 1 Sep, full days: +200.00, ±0
    below = person(2, "Below Band", "U02")  # from 1 Oct, no hours: 22 × -7.50 = -165.00
    up = person(3, "Up Twelve", "U03")  # full days and 12 h extra on 15 Oct: +12.00, +12.00
    down = person(4, "Down Fifteen", "U04")  # two October workdays empty: -15.00, -15.00
    small = person(5, "Small Change", "U05")  # +5 h on 15 Oct: inside, change +5: nothing
    edge = person(6, "Edge Of Band", "U06")  # exactly +120.00 (inside), ±0: nothing
    saldos = {
        1: summary(FROM_SEPTEMBER, corrections=(Correction(SEPTEMBER, set_to=Decimal(200)),)),
        2: summary([Contract(D(2026, 10, 1), None, 100)], full_from=D(2026, 11, 1)),
        3: summary(FROM_SEPTEMBER, extra={D(2026, 10, 15): "12"}),
        4: summary(FROM_SEPTEMBER, missing=(D(2026, 10, 12), D(2026, 10, 13))),
        5: summary(FROM_SEPTEMBER, extra={D(2026, 10, 15): "5"}),
        6: summary(FROM_SEPTEMBER, corrections=(Correction(SEPTEMBER, set_to=Decimal(120)),)),
    }
    notices = flex_saldo_notices([edge, small, down, up, below, above], saldos, L, MINUS, PLUS)

    assert [(n.person.full_name, n.message.kind, n.saldo, n.change) for n in notices] == [
        ("Above Band", "above_band", Decimal(200), Decimal(0)),
        ("Below Band", "below_band", Decimal("-165.0"), None),
        ("Down Fifteen", "check_hours", Decimal("-15.0"), Decimal("-15.0")),
        ("Up Twelve", "info_increase", Decimal("12.0"), Decimal("12.0")),
    ]
    above_text, below_text, down_text, up_text = (n.message.text for n in notices)
    assert above_text.startswith("Your flex saldo is +200.00h. In the long run it should stay")
    assert "between -40.00h and +120.00h" in above_text
    assert "converting" not in above_text and "convert flex hours to salary" in above_text
    assert above_text.endswith("It changed by +0.00h during the past month.")
    assert below_text.startswith("Your flex saldo is -165.00h.")
    assert "please make one" in below_text and "changed by" not in below_text
    assert down_text == (
        "Your flex saldo is -15.00h. It changed by -15.00h during the past month. "
        "Did you remember to mark all your hours?"
    )
    assert up_text == (
        "Your flex saldo is +12.00h. It changed by +12.00h during the past month. "
        "This is for your information only, no action is needed."
    )
    assert all(n.as_of == L for n in notices)


def test_archived_inactive_and_uncomputable_people_get_nothing() -> None:
    below = [Contract(D(2026, 10, 1), None, 100)]  # -165.00 on L: a message, if anyone's
    archived = person(1, "Archived Below", "U01", archived=True)
    left = person(2, "Left Mid Month", "U02")  # contract ended 15 Oct: not active on L
    later = person(3, "Starts Later", "U03")  # contract from 1 Nov: not active on L
    gap = person(4, "Has A Gap", "U04")  # no contract 16-30 Sep: the saldo cannot be computed
    unknown = person(5, "Not Computed", "U05")  # not in the batch at all
    no_slack = person(6, "No Slack", "")  # due: chosen all the same (the planner tells admins)
    saldos = {
        1: summary(below, full_from=D(2026, 11, 1)),
        2: summary([Contract(D(2026, 9, 1), D(2026, 10, 15), 100)], full_from=D(2026, 11, 1)),
        3: summary([Contract(D(2026, 11, 1), None, 100)]),
        4: summary([Contract(SEPTEMBER, D(2026, 9, 15), 100), Contract(D(2026, 10, 1), None, 100)]),
        6: summary(below, full_from=D(2026, 11, 1)),
    }
    assert [saldos[n].status for n in (1, 2, 3, 4)] == [
        "ok",
        "not_active",
        "not_active",
        "no_contract",
    ]
    assert saldos[2].saldo is None  # had she been counted: 11 Oct workdays missing, far below
    notices = flex_saldo_notices(
        [archived, left, later, gap, unknown, no_slack], saldos, L, MINUS, PLUS
    )
    assert [(n.person.full_name, n.message.kind) for n in notices] == [("No Slack", "below_band")]
    assert notices[0].person.slack_id == ""


def test_an_empty_company_gets_nothing() -> None:
    assert flex_saldo_notices([], {}, L, MINUS, PLUS) == []
