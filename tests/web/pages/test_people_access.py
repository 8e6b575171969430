"""Who may open ``/users``, its CSV export and a flex page; the export's cells; the chart.

The company is tests/support/web_company.py's (hand-counted figures as of 2025-02-28), with
Frank Fisher in the hr group and Gina Gray in the admin group; Alice Aalto is an employee.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from core.settings import Settings
from models import FlexCorrection
from tests.support.signed_in import fetch, join
from tests.support.web_company import AS_OF, Company, D, build_company, contract, make_person
from tests.support.web_site import read_page, serve_web, web_settings


@dataclass
class Site:
    url: str
    settings: Settings
    company: Company


@pytest.fixture
async def site(db: str) -> AsyncIterator[Site]:
    company = await build_company()
    await join(company.frank, "hr")
    await join(company.gina, "admin")
    settings = web_settings(db)
    async with serve_web(settings) as url:
        yield Site(url, settings, company)


# --- /users ----------------------------------------------------------------------------------


async def test_hr_sees_everyones_saldo(site: Site) -> None:
    answer = await fetch(f"{site.url}/users?as_of={AS_OF}", site.settings, site.company.frank)
    assert answer.status == 200
    rows = read_page(answer.text).tables["people"]
    assert rows[1] == ["Alice Aalto", "alice@example.com", "yes", "+8.75h", "+2.25h", "inside"]
    assert ["Frank Fisher", "frank@example.com", "no", "-120.00h", "", "▼ below"] in rows
    assert len(rows) == 1 + 6
    assert f'href="/users.csv?as_of={AS_OF}"' in answer.text


@pytest.mark.parametrize("path", ["/users", "/users.csv"])
@pytest.mark.parametrize("who", ["alice", "gina"])
async def test_employees_and_admins_may_not_see_the_overview(
    site: Site, path: str, who: str
) -> None:
    answer = await fetch(site.url + path, site.settings, getattr(site.company, who))
    assert answer.status == 403
    assert "This needs the hr group (to see the people overview)." in answer.text
    assert "+8.75h" not in answer.text and "Frank" not in answer.text


# --- /users.csv ------------------------------------------------------------------------------


async def test_csv_export_lists_the_overview_with_numbers_and_safe_text(site: Site) -> None:
    evil = await make_person('=HYPERLINK("http://x")', "-2+3")
    await contract(evil, D(2025, 1, 1), None)
    answer = await fetch(
        f"{site.url}/users.csv?as_of={AS_OF}&sort=saldo", site.settings, site.company.frank
    )
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == (
        f'attachment; filename="people-flex-{AS_OF}.csv"'
    )
    assert answer.text.startswith("\ufeffname,email,")  # Excel needs the BOM to read UTF-8
    rows = list(csv.reader(io.StringIO(answer.text.removeprefix("\ufeff"))))
    assert rows[0] == [
        "name", "email", "slack_linked", "archived", "flex_saldo_hours",
        "change_from_last_month_hours", "band", "note",
    ]  # fmt: skip
    by_name = {row[0]: row for row in rows[1:]}
    # saldos are plain numbers, negative ones too; sorted by saldo as on the page
    assert by_name["Frank Fisher"] == [
        "Frank Fisher", "frank@example.com", "no", "no", "-120.00", "", "below", ""
    ]  # fmt: skip
    assert by_name["Alice Aalto"][4:7] == ["8.75", "2.25", "inside"]
    assert rows[1][0] == '\'=HYPERLINK("http://x") -2+3'  # the lowest saldo, neutralised
    assert Decimal(rows[1][4]) < Decimal(-120)
    assert by_name["Carol Cole"][4:] == ["", "", "", "no contract on 2025-01-16"]
    assert by_name["Erin <b>Eck</b>"][1:] == ["", "no", "no", "", "", "", "no e-mail in 10000ft"]
    assert "Dave Dunn" not in by_name


async def test_csv_export_can_include_archived_people(site: Site) -> None:
    answer = await fetch(
        f"{site.url}/users.csv?as_of={AS_OF}&archived=1", site.settings, site.company.frank
    )
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert ["Dave Dunn", "dave@example.com", "no", "yes", "", "", "", "archived"] in rows


async def test_csv_export_checks_its_parameters(site: Site) -> None:
    answer = await fetch(f"{site.url}/users.csv?sort=email", site.settings, site.company.frank)
    assert answer.status == 400


# --- /users/<guid>/flexhours -----------------------------------------------------------------


async def test_a_person_sees_their_own_flex_page_with_the_chart(site: Site) -> None:
    alice = site.company.alice
    url = f"{site.url}/users/{alice.guid}/flexhours?as_of={AS_OF}"
    answer = await fetch(url, site.settings, alice)
    assert answer.status == 200
    page = read_page(answer.text)
    assert page.texts["saldo"] == "Flex saldo for Alice Aalto is +8.75h"
    assert 'aria-labelledby="saldo-chart-title saldo-chart-desc"' in answer.text
    assert page.texts["saldo-chart-title"] == "Flex saldo at the end of each month"
    assert page.texts["saldo-chart-desc"].startswith(
        "2 months from 2025-01 to 2025-02: +6.50h at the end of 2025-01, +8.75h at the end of "
        "2025-02; lowest +6.50h (2025-01), highest +8.75h (2025-02)."
    )
    assert "<title>2025-02: +8.75h</title>" in answer.text
    assert "<script" not in answer.text
    # an employee's page does not link to the people list
    assert 'href="/users?' not in answer.text and 'href="/users"' not in answer.text


async def test_hr_sees_anyones_flex_page(site: Site) -> None:
    alice = site.company.alice
    answer = await fetch(
        f"{site.url}/users/{alice.guid}/flexhours?as_of={AS_OF}", site.settings, site.company.frank
    )
    assert answer.status == 200
    assert read_page(answer.text).texts["saldo"] == "Flex saldo for Alice Aalto is +8.75h"


@pytest.mark.parametrize("who", ["alice", "gina"])
async def test_others_flex_pages_are_refused_naming_hr(site: Site, who: str) -> None:
    viewer = getattr(site.company, who)
    for guid in (site.company.bob.guid, site.company.frank.guid, "no-such-guid"):
        answer = await fetch(f"{site.url}/users/{guid}/flexhours", site.settings, viewer)
        assert answer.status == 403, guid  # unknown guids too: nothing to learn by probing
        assert "This needs the hr group (to see others&#39; flex)." in answer.text
        assert "Flex saldo for" not in answer.text


async def test_hr_gets_404_for_an_unknown_guid(site: Site) -> None:
    answer = await fetch(
        f"{site.url}/users/no-such-guid/flexhours", site.settings, site.company.frank
    )
    assert answer.status == 404


async def test_no_chart_without_months(site: Site) -> None:
    bob = site.company.bob  # not active: no number, no months
    answer = await fetch(f"{site.url}/users/{bob.guid}/flexhours", site.settings, bob)
    assert answer.status == 200
    assert "saldo-chart" not in answer.text


async def test_chart_of_a_negative_saldo(site: Site) -> None:
    frank = site.company.frank
    await FlexCorrection.create(person=frank, date=D(2025, 1, 1), set_to=Decimal(5))
    await contract(frank, D(2025, 1, 1), D(2025, 1, 31))
    answer = await fetch(
        f"{site.url}/users/{frank.guid}/flexhours?as_of={AS_OF}", site.settings, frank
    )
    page = read_page(answer.text)
    assert page.texts["saldo"] == "Flex saldo for Frank Fisher is -272.50h"
    assert page.texts["saldo-chart-desc"].startswith(
        "2 months from 2025-01 to 2025-02: -152.50h at the end of 2025-01"
    )
    assert 'class="dot neg"' in answer.text


# --- navigation ------------------------------------------------------------------------------


async def test_navigation_shows_only_pages_one_may_open(site: Site) -> None:
    company = site.company

    async def nav(person_name: str) -> set[str]:
        person = getattr(company, person_name)
        html = (
            await fetch(f"{site.url}/users/{person.guid}/flexhours", site.settings, person)
        ).text
        nav_html = html.split('<nav aria-label="Sections">', 1)[1].split("</nav>", 1)[0]
        return {label for label in ("My flex hours", "People", "Early care", "Syncs") if
                f">{label}</a>" in nav_html}  # fmt: skip

    assert await nav("alice") == {"My flex hours"}
    assert await nav("frank") == {"My flex hours", "People", "Early care"}
    assert await nav("gina") == {"My flex hours", "Syncs"}
