"""What the weekly contract-problems report lists (docs/domain-rules.md, "Notifications").

As of yesterday, for every non-archived person: hours on days without a contract, gaps
between contracts, corrections outside every contract and saldos that cannot be computed,
with the reason ``financebot flex --all`` gives. The problems themselves are
``models.flex.contract_problems``'s, computed with the company's saldos in one batch; this
only groups them by person, as the admin site's start page shows them too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from models.flex.company import ListedPerson
from models.flex.contract_problems import ContractProblem


@dataclass(frozen=True, slots=True)
class PersonProblems:
    """One person's problems, in the order they were found (per kind, by date)."""

    person: ListedPerson
    problems: tuple[ContractProblem, ...]

    @property
    def reasons(self) -> list[str]:
        return [problem.reason for problem in self.problems]

    def reasons_for(self, *, hr: bool) -> list[str]:
        """The reasons as HR reads them, or without flex figures for anyone else (a
        correction's hours are flex figures: docs/domain-rules.md, "Privacy and permissions")."""
        return self.reasons if hr else [problem.public_reason for problem in self.problems]


def problems_by_person(
    people: Iterable[ListedPerson], problems: Iterable[ContractProblem]
) -> list[PersonProblems]:
    """The non-archived ``people`` with at least one problem, by name."""
    found: dict[int, list[ContractProblem]] = {}
    for problem in problems:
        found.setdefault(problem.person_id, []).append(problem)
    listed = [
        PersonProblems(person, tuple(found[person.id]))
        for person in people
        if not person.archived and person.id in found
    ]
    listed.sort(key=lambda p: (p.person.full_name.casefold(), p.person.guid))
    return listed
