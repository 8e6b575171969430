"""The contract report's blocks: a person's problems capped, figures and links for HR only, and
a fallback text cut without splitting an entity."""

from __future__ import annotations

import datetime as dt

from core.settings import load_settings
from handlers.notifications.contract_blocks import (
    PROBLEMS_SHOWN,
    TEXT_LIMIT,
    person_blocks,
    report_message,
)
from models.flex.company import ListedPerson
from models.flex.contract_problems import ContractProblem
from models.notifications.contract_report import PersonProblems

SETTINGS = load_settings({"PUBLIC_URL": "https://finance.example"})
DAY = dt.date(2025, 3, 2)


def correction(n: int) -> ContractProblem:
    day = dt.date(2024, 1, 1) + dt.timedelta(days=n)
    return ContractProblem(
        1,
        "correction_outside_contract",
        day,
        day,
        f"Correction on {day} (adjust by +1.50h) is outside every contract.",
        f"Correction on {day} is outside every contract.",
    )


def tom(problems: int) -> PersonProblems:
    person = ListedPerson(1, "tom-guid", "Tom & Jerry", "tom@example.com", "", False)
    return PersonProblems(person, tuple(correction(n) for n in range(problems)))


def text_of(blocks: list[dict[str, object]]) -> str:
    return "\n".join(str(b["text"]["text"]) for b in blocks)  # type: ignore[index]


def test_a_person_lists_at_most_so_many_problems() -> None:
    text = text_of(person_blocks(tom(PROBLEMS_SHOWN + 5), SETTINGS, hr=True))
    assert text.count("• Correction on") == PROBLEMS_SHOWN
    assert text.endswith("• … and 5 more")


def test_hr_reads_hours_and_links_and_the_others_neither() -> None:
    hr = text_of(person_blocks(tom(1), SETTINGS, hr=True))
    assert hr.startswith("*<https://finance.example/contracts/tom-guid|Tom &amp; Jerry>*")
    assert "(adjust by +1.50h)" in hr
    others = text_of(person_blocks(tom(1), SETTINGS, hr=False))
    assert others == "*Tom &amp; Jerry*\n• Correction on 2024-01-01 is outside every contract."


def test_the_fallback_text_is_cut_whole_entities_only() -> None:
    found = tom(200)
    part = [(found, person_blocks(found, SETTINGS, hr=True))]
    text = report_message(part, 1, 1, 1, DAY, SETTINGS, hr=True).text
    assert len(text) <= TEXT_LIMIT and text.endswith("…")
    assert "Tom &amp; Jerry" in text and "1.50" not in text
    tail = text[-8:]
    assert "&" not in tail or ";" in tail.split("&")[-1]
