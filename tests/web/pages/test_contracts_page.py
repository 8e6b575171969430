"""``/contracts`` and ``/contracts/<guid>``: listing, problems, and who may open or post what.

The company (tests/support/web_company.py) has Alice (one open-ended contract, two
corrections), Bob (a contract that ended), Carol (a gap 16-31 Jan), Frank, Gina (a set_to),
archived Dave and Erin (no e-mail, a name with markup). Hanna is in the hr group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from yarl import URL

from core.settings import Settings
from models import FlexCorrection, WorkContract
from models.people import Person
from tests.support.contracts_site import add_to_group, hr_person, stored, visitor
from tests.support.web_company import Company, D, build_company, contract, make_person
from tests.support.web_site import read_page, serve_web, web_settings

HR_REFUSAL = "This needs the hr group (to edit contracts and corrections)."


@pytest.fixture
async def company(db: str) -> Company:
    return await build_company()


@pytest.fixture
async def hanna(company: Company) -> Person:
    return await hr_person()


@pytest.fixture
def settings(db: str) -> Settings:
    return web_settings(db)


@pytest.fixture
async def site(settings: Settings) -> AsyncIterator[str]:
    async with serve_web(settings) as url:
        yield url


# --- listing ------------------------------------------------------------------------------


async def test_contracts_lists_each_persons_contracts_corrections_and_problems(
    company: Company, hanna: Person, settings: Settings, site: str
) -> None:
    await contract(company.frank, D(2025, 1, 1), D(2025, 2, 10))  # overlaps his from 1 Feb
    async with visitor(site, settings, hanna) as hr:
        status, html = await hr.get("/contracts")
    assert status == 200
    page = read_page(html)
    alice = company.alice.guid
    assert page.tables[f"contracts-{alice}"][1:] == [
        ["2025-01-01", "open-ended", "100 %", "enabled"]
    ]
    assert page.tables[f"corrections-{alice}"][1:] == [
        ["2025-01-15", "10", "", "moved from old system"],
        ["2025-03-05", "100", "", ""],
    ]
    assert page.tables[f"corrections-{company.gina.guid}"][1:] == [["2025-02-01", "", "300", ""]]
    assert page.texts[f"problems-{company.carol.guid}"] == (
        "no contract 2025-01-16 … 2025-01-31: the saldo stops on 2025-01-16 until a set_to "
        "correction on 2025-02-01 (the next contract's start)"
    )
    assert page.texts[f"problems-{company.frank.guid}"] == (
        "contracts 2025-01-01..2025-02-10 and 2025-02-01..open-ended overlap"
    )
    assert f"problems-{alice}" not in page.texts
    assert f'href="/users/{alice}/flexhours"' in html
    assert f'href="/contracts/{alice}"' in html
    assert f"person-{company.dave.guid}" not in html  # archived: only on request
    assert "Erin &lt;b&gt;Eck&lt;/b&gt;" in html and "<b>Eck</b>" not in html
    assert page.texts["matched"] == "7 people"  # the company's six active people and Hanna


async def test_contracts_search_problem_and_archived_filters(
    company: Company, hanna: Person, settings: Settings, site: str
) -> None:
    async with visitor(site, settings, hanna) as hr:
        _, by_name = await hr.get("/contracts?q=ALI")
        _, by_email = await hr.get("/contracts?q=carol%40example")
        _, problems = await hr.get("/contracts?problems=1")
        _, archived = await hr.get("/contracts?q=dunn&archived=1")
        _, nobody = await hr.get("/contracts?q=zzz")
        too_long, _ = await hr.get("/contracts?q=" + "x" * 101)
    assert f"person-{company.alice.guid}" in by_name
    assert read_page(by_name).texts["matched"] == "1 person"
    assert (
        f"person-{company.carol.guid}" in by_email
        and "person-" + company.alice.guid not in by_email
    )
    assert read_page(problems).texts["matched"] == "1 person with problems"
    assert f"person-{company.carol.guid}" in problems
    assert f"person-{company.dave.guid}" in archived
    assert "Nobody matches." in nobody
    assert too_long == 400


async def test_person_page_lists_contracts_and_corrections_with_their_links(
    company: Company, hanna: Person, settings: Settings, site: str
) -> None:
    async with visitor(site, settings, hanna) as hr:
        status, html = await hr.get(f"/contracts/{company.carol.guid}")
        missing, _ = await hr.get("/contracts/no-such-guid")
    assert status == 200 and missing == 404
    page = read_page(html)
    rows = page.tables["contracts"][1:]
    assert [row[:4] for row in rows] == [
        ["2025-01-01", "2025-01-15", "100 %", "enabled"],
        ["2025-02-01", "open-ended", "100 %", "enabled"],
    ]
    first = await WorkContract.get(person_id=company.carol.id, start_date=D(2025, 1, 1))
    base = f"/contracts/{company.carol.guid}"
    assert f'href="{base}/contracts/{first.id}"' in html
    assert f'href="{base}/contracts/{first.id}/delete"' in html
    assert f'href="{base}/contracts/new"' in html and f'href="{base}/corrections/new"' in html
    assert "no contract 2025-01-16 … 2025-01-31" in page.texts["problems"]
    assert f'href="/users/{company.carol.guid}/flexhours"' in html


async def test_the_navigation_shows_contracts_to_hr_only(
    company: Company, hanna: Person, settings: Settings, site: str
) -> None:
    async with visitor(site, settings, hanna) as hr:
        _, for_hr = await hr.get("/")
    async with visitor(site, settings, company.alice) as alice:
        _, for_alice = await alice.get("/")
    assert '<a href="/contracts"' in for_hr
    assert '<a href="/contracts"' not in for_alice


# --- refusals -------------------------------------------------------------------------------


def paths(company: Company, contract_id: int, correction_id: int) -> list[tuple[str, str]]:
    """Every /contracts path and method (for a contract and a correction of Alice)."""
    base = f"/contracts/{company.alice.guid}"
    return [
        ("GET", "/contracts"),
        ("GET", "/contracts/upload"),
        ("POST", "/contracts/upload"),
        ("GET", base),
        ("GET", f"{base}/contracts/new"),
        ("POST", f"{base}/contracts"),
        ("GET", f"{base}/contracts/{contract_id}"),
        ("POST", f"{base}/contracts/{contract_id}"),
        ("GET", f"{base}/contracts/{contract_id}/delete"),
        ("POST", f"{base}/contracts/{contract_id}/delete"),
        ("GET", f"{base}/corrections/new"),
        ("POST", f"{base}/corrections"),
        ("GET", f"{base}/corrections/{correction_id}"),
        ("POST", f"{base}/corrections/{correction_id}"),
        ("GET", f"{base}/corrections/{correction_id}/delete"),
        ("POST", f"{base}/corrections/{correction_id}/delete"),
    ]


#: A form every POST path above would act on if it were let through.
CHANGE = {
    "start_date": "2026-01-01",
    "end_date": "",
    "worktime_percent": "50",
    "flex_enabled": "true",
    "date": "2026-01-01",
    "adjust_by": "1",
    "set_to": "",
    "note": "refused",
    "kind": "contracts",
}


async def alice_ids(company: Company) -> tuple[int, int]:
    contract_row = await WorkContract.get(person_id=company.alice.id)
    correction = await FlexCorrection.get(person_id=company.alice.id, date=D(2025, 1, 15))
    return contract_row.id, correction.id


@pytest.mark.parametrize("who", ["employee", "admin", "finance", "archived hr"])
async def test_everyone_but_signed_in_hr_is_refused_everywhere(
    who: str, company: Company, settings: Settings, site: str
) -> None:
    person = company.alice
    if who in ("admin", "finance"):
        person = await add_to_group(await make_person(who.title(), "Person"), who)
    elif who == "archived hr":
        person = await hr_person("Old", "Hr", archived=True)
    before = await stored()
    async with visitor(site, settings, person) as browser:
        for method, path in paths(company, *await alice_ids(company)):
            if method == "GET":
                response = await browser.get_response(path)
                async with response:
                    status, html = response.status, await response.text()
                    location = response.headers.get("Location", "")
            else:
                status, html, location = await browser.post(path, CHANGE)
            if who == "archived hr":  # an archived person is not signed in at all
                expected = 302 if method == "GET" else 403
                assert status == expected, (method, path)
                if method == "GET":
                    assert URL(location).path == "/sign-in", path
            else:
                assert status == 403, (method, path, status)
                assert HR_REFUSAL in html, (method, path)
    assert await stored() == before


async def test_signed_out_visitors_are_sent_to_sign_in_and_their_posts_refused(
    company: Company, settings: Settings, site: str
) -> None:
    before = await stored()
    async with visitor(site, settings, None) as browser:
        for method, path in paths(company, *await alice_ids(company)):
            if method == "GET":
                response = await browser.get_response(path)
                async with response:
                    assert response.status == 302, path
                    sign_in = URL(response.headers["Location"])
                    assert (sign_in.path, sign_in.query["next"]) == ("/sign-in", path)
            else:
                status, _, _ = await browser.post(path, CHANGE)
                assert status == 403, path
    assert await stored() == before


@pytest.mark.parametrize("token", ["", "not-the-session-token"])
async def test_hr_posts_without_the_sessions_csrf_token_are_refused(
    token: str, company: Company, hanna: Person, settings: Settings, site: str
) -> None:
    before = await stored()
    async with visitor(site, settings, hanna) as hr:
        for method, path in paths(company, *await alice_ids(company)):
            if method == "POST":
                status, html, _ = await hr.post(path, CHANGE, csrf=token)
                assert status == 403, path
                assert "This form has expired or was not sent from this site." in html
    assert await stored() == before


async def test_another_persons_contract_or_correction_is_not_found(
    company: Company, hanna: Person, settings: Settings, site: str
) -> None:
    contract_id, correction_id = await alice_ids(company)
    bob = f"/contracts/{company.bob.guid}"
    before = await stored()
    async with visitor(site, settings, hanna) as hr:
        assert (await hr.get(f"{bob}/contracts/{contract_id}"))[0] == 404
        assert (await hr.get(f"{bob}/corrections/{correction_id}/delete"))[0] == 404
        assert (await hr.post(f"{bob}/contracts/{contract_id}/delete", {}))[0] == 404
        assert (await hr.post(f"{bob}/corrections/{correction_id}", CHANGE))[0] == 404
        assert (await hr.get("/contracts/no-such-guid/contracts/new"))[0] == 404
    assert await stored() == before
    assert await WorkContract.filter(id=contract_id, start_date=dt.date(2025, 1, 1)).exists()
