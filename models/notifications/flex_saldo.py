"""Who gets the monthly flex saldo message, with what (docs/domain-rules.md, "Flex saldo" rule 8
and "Notifications").

Computed as of L, the last day of the month before the run: each non-archived person who is
active on L (a contract holds L) and whose saldo can be computed gets rule 8's message when it
is not empty (above or below the band, or inside it with a change of more than 10 h either
way); nobody else. The wording is ``monthly_flex_message``'s; the saldos are the company-wide
batch's (``models.flex.company``), loaded once and computed off the loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from models.flex.company import ListedPerson, SaldoSummary
from models.flex.saldo import FlexMessage, FlexResult, monthly_flex_message


@dataclass(frozen=True, slots=True)
class FlexSaldoNotice:
    """One person's monthly message: rule 8's ``message`` about ``saldo`` and ``change``
    (None with only one month computed)."""

    person: ListedPerson
    as_of: dt.date
    saldo: Decimal
    change: Decimal | None
    message: FlexMessage


def flex_saldo_notice(
    person: ListedPerson,
    summary: SaldoSummary | None,
    as_of: dt.date,
    max_minus: Decimal,
    max_plus: Decimal,
) -> FlexSaldoNotice | None:
    """``person``'s message as of ``as_of``, or None: archived, not active on L (rule 3), no
    saldo (rule 2 or 6's error) or nothing to say (rule 8)."""
    if person.archived or summary is None or not summary.ok or summary.saldo is None:
        return None
    result = FlexResult(
        status=summary.status,
        as_of=as_of,
        saldo=summary.saldo,
        change_from_last_month=summary.change_from_last_month,
    )
    message = monthly_flex_message(result, max_minus, max_plus)
    if message is None:
        return None
    return FlexSaldoNotice(person, as_of, summary.saldo, summary.change_from_last_month, message)


def flex_saldo_notices(
    people: Iterable[ListedPerson],
    saldos: Mapping[int, SaldoSummary],
    as_of: dt.date,
    max_minus: Decimal,
    max_plus: Decimal,
) -> list[FlexSaldoNotice]:
    """The messages due as of ``as_of``, by person name."""
    notices = [
        notice
        for person in people
        if (notice := flex_saldo_notice(person, saldos.get(person.id), as_of, max_minus, max_plus))
    ]
    notices.sort(key=lambda n: (n.person.full_name.casefold(), n.person.guid))
    return notices
