"""The admin site's flex pages over HTTP, against a database with contracts, hours and holidays.

The company, with its hand-counted figures (as of 2025-02-28, band -40 … +120), is described
where it is built: tests/support/web_company.py. Every page needs a signed-in person, so the
requests are made as Alice, in the HR group (HR sees every flex page and /users).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from core.clock import company_yesterday as default_as_of
from core.settings import Settings
from models import Group, GroupMembership, Person
from models.permissions import HR_GROUP
from tests.support.flex_people import add_entry
from tests.support.web_company import (
    AS_OF,
    Company,
    D,
    build_company,
    contract,
    make_person,
)
from tests.support.web_site import read_page, serve_web, signed_in_headers, web_settings
from web.band_gauge import MARGIN
from web.band_gauge import gauge_coordinates as band_gauge


@pytest.fixture
async def company(db: str) -> Company:
    return await build_company()


#: The signed-in viewer's request headers (session cookie, CSRF token), sent by :func:`get`.
VIEWER: dict[str, str] = {}


@pytest.fixture(autouse=True)
def signed_out_between_tests() -> Iterator[None]:
    yield
    VIEWER.clear()


async def sign_in_as_hr(settings: Settings, person: Person) -> None:
    """Puts ``person`` in the HR group and makes :func:`get` ask as them."""
    group, _ = await Group.get_or_create(name=HR_GROUP)
    await GroupMembership.get_or_create(group=group, person=person)
    VIEWER.clear()
    VIEWER.update(signed_in_headers(settings, person.id))


@pytest.fixture
async def site(db: str, company: Company) -> AsyncIterator[str]:
    settings = web_settings(db)
    await sign_in_as_hr(settings, company.alice)
    async with serve_web(settings) as url:
        yield url


async def get(url: str) -> tuple[int, str, CIMultiDictProxy[str]]:
    async with aiohttp.ClientSession(headers=VIEWER) as session, session.get(url) as response:
        return response.status, await response.text(), response.headers


# --- /users/<guid>/flexhours ---------------------------------------------------------------


async def test_flexhours_page_shows_the_saldo_change_and_band(company: Company, site: str) -> None:
    status, html, headers = await get(f"{site}/users/{company.alice.guid}/flexhours?as_of={AS_OF}")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    page = read_page(html)
    assert page.texts["saldo"] == "Flex saldo for Alice Aalto is +8.75h"
    assert "Change from last month: +2.25h" in html
    assert "Inside the healthy band -40.00h … +120.00h" in html
    assert "counted from 2025-01-01 to 2025-02-28" in html


async def test_flexhours_monthly_summary_has_the_hand_counted_figures(
    company: Company, site: str
) -> None:
    _, html, _ = await get(f"{site}/users/{company.alice.guid}/flexhours?as_of={AS_OF}")
    page = read_page(html)
    assert page.tables["months"][0] == [
        "Month", "Work", "Leave", "Overtime", "Unpaid", "Expected", "Diff", "Saldo"
    ]  # fmt: skip
    assert page.rows["month-2025-01"] == [
        "2025-01", "139.00", "7.50", "3.00", "7.50", "150.00", "-3.50", "+6.50"
    ]  # fmt: skip
    assert page.rows["month-2025-02"] == [
        "2025-02", "152.25", "0.00", "0.00", "0.00", "150.00", "+2.25", "+8.75"
    ]  # fmt: skip
    assert page.tables["months"][-1] == [
        "Total", "291.25", "7.50", "3.00", "7.50", "300.00", "-1.25", ""
    ]  # fmt: skip


async def test_flexhours_daily_log_lists_every_day_by_month(company: Company, site: str) -> None:
    _, html, _ = await get(f"{site}/users/{company.alice.guid}/flexhours?as_of={AS_OF}")
    page = read_page(html)
    day_rows = {
        row[0]: row
        for name, rows in page.tables.items()
        if name not in ("months", "contracts", "corrections")
        for row in rows[1:]
    }
    assert len(day_rows) == 31 + 28
    # date, day, expected, work, leave, unpaid, overtime, correction, day sum, saldo
    assert day_rows["2025-01-01"] == ["2025-01-01", "Wed", "", "", "", "", "", "", "+0.00", "+0.00"]
    assert day_rows["2025-01-02"] == [
        "2025-01-02", "Thu", "7.50", "8.50", "", "", "", "", "+1.00", "+1.00"
    ]  # fmt: skip
    assert day_rows["2025-01-06"][2:4] == ["", "1.00"]  # a holiday: nothing expected, work counts
    assert day_rows["2025-01-11"][1:4] == ["Sat", "", "2.00"]
    assert day_rows["2025-01-15"][6:8] == ["3.00", "+10.00"]  # overtime shown; the correction
    assert day_rows["2025-01-20"][5] == "7.50"  # unpaid leave
    assert day_rows["2025-01-22"][3:5] == ["", ""]  # flex time leave is not counted
    assert day_rows["2025-01-22"][8] == "-7.50"
    assert day_rows["2025-01-25"][4] == ""  # weekend leave is not counted
    assert day_rows["2025-02-28"][9] == "+8.75"
    # one collapsible section per month; the last one starts open
    assert '<details class="month" id="days-2025-01">' in html
    assert '<details class="month" id="days-2025-02" open>' in html


async def test_flexhours_lists_contracts_and_corrections_with_their_use(
    company: Company, site: str
) -> None:
    _, html, _ = await get(f"{site}/users/{company.alice.guid}/flexhours?as_of={AS_OF}")
    page = read_page(html)
    assert page.tables["contracts"][1:] == [
        ["2025-01-01", "open-ended", "100 %", "7.50h", "yes", "holds the as-of day"]
    ]
    assert page.tables["corrections"][1:] == [
        ["2025-01-15", "+10.00", "", "moved from old system", "added on this day"],
        ["2025-03-05", "+100.00", "", "", "dated after the as-of day: not counted yet"],
    ]


async def test_flexhours_as_of_end_of_january(company: Company, site: str) -> None:
    _, html, _ = await get(f"{site}/users/{company.alice.guid}/flexhours?as_of=2025-01-31")
    page = read_page(html)
    assert page.texts["saldo"] == "Flex saldo for Alice Aalto is +6.50h"
    assert "Change from last month: none to show (only one month so far)" in html
    assert list(page.rows) == ["month-2025-01"]


async def test_flexhours_set_to_starting_point_and_band_above(company: Company, site: str) -> None:
    _, html, _ = await get(f"{site}/users/{company.gina.guid}/flexhours?as_of={AS_OF}")
    page = read_page(html)
    assert page.texts["saldo"] == "Flex saldo for Gina Gray is +150.00h"
    assert "Above the healthy band -40.00h … +120.00h by 30.00h" in html
    assert page.tables["corrections"][1] == ["2025-02-01", "", "+300.00", "", "starting point"]


async def test_flexhours_not_active_says_so_without_a_number(company: Company, site: str) -> None:
    status, html, _ = await get(f"{site}/users/{company.bob.guid}/flexhours?as_of={AS_OF}")
    assert status == 200
    page = read_page(html)
    assert page.texts["saldo"] == (
        "Flex time is not activated for Bob Berg: no work contract covers 2025-02-28. "
        "If that is wrong, ask HR to check Bob Berg's contract."
    )
    assert "months" not in page.tables
    assert page.tables["contracts"][1][:2] == ["2024-06-01", "2024-12-31"]


async def test_flexhours_contract_gap_names_the_day(company: Company, site: str) -> None:
    _, html, _ = await get(f"{site}/users/{company.carol.guid}/flexhours?as_of={AS_OF}")
    page = read_page(html)
    assert page.texts["saldo"] == (
        "Flex saldo for Carol Cole cannot be computed: no contract on 2025-01-16: add a "
        "contract, or a set_to correction at the next contract's start. HR can fix this."
    )
    assert "months" not in page.tables


async def test_flexhours_without_contracts_or_corrections(company: Company, site: str) -> None:
    _, html, _ = await get(f"{site}/users/{company.erin.guid}/flexhours?as_of={AS_OF}")
    assert "No work contracts." in html
    assert "No corrections." in html
    assert "Flex time is not activated for Erin &lt;b&gt;Eck&lt;/b&gt;" in html
    assert "<b>Eck</b>" not in html


async def test_flexhours_of_an_archived_person_still_shows_the_figures(
    company: Company, site: str
) -> None:
    _, html, _ = await get(f"{site}/users/{company.dave.guid}/flexhours?as_of={AS_OF}")
    page = read_page(html)
    assert "archived in 10000ft" in html
    # 21 January and 20 February workdays without hours: -(41 × 7.5)
    assert page.texts["saldo"] == "Flex saldo for Dave Dunn is -307.50h"
    assert "Below the healthy band -40.00h … +120.00h by 267.50h" in html


async def test_flexhours_month_link_opens_that_month(company: Company, site: str) -> None:
    url = f"{site}/users/{company.alice.guid}/flexhours?as_of={AS_OF}"
    _, html, _ = await get(url)
    assert f'href="?as_of={AS_OF}&amp;month=2025-01#days-2025-01"' in html
    _, html, _ = await get(url + "&month=2025-01")
    assert '<details class="month" id="days-2025-01" open>' in html
    assert '<details class="month" id="days-2025-02">' in html
    status, html, _ = await get(url + "&month=2025-1")
    assert status == 400
    assert "month must be a month written YYYY-MM, like 2025-01; got &#39;2025-1&#39;." in html


async def test_flexhours_unknown_guid_is_a_404_page(db: str, site: str) -> None:
    status, html, _ = await get(f"{site}/users/no-such-guid/flexhours")
    assert status == 404
    assert "No person with the 10000ft guid &#39;no-such-guid&#39; is known here." in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("as_of=2025-13-01", "as_of must be a date written YYYY-MM-DD, like 2025-01-31; got"),
        ("as_of=yesterday", "got &#39;yesterday&#39;"),
        ("as_of=20250131", "as_of must be a date written YYYY-MM-DD"),
        ("as_of=9999-01-01", "as_of 9999-01-01 is too far ahead"),
    ],
)
async def test_flexhours_bad_as_of_is_a_400_page(
    company: Company, site: str, query: str, message: str
) -> None:
    status, html, _ = await get(f"{site}/users/{company.alice.guid}/flexhours?{query}")
    assert status == 400
    assert message in html
    assert "Flex saldo for" not in html


async def test_flexhours_defaults_to_yesterday(company: Company, site: str) -> None:
    _, html, _ = await get(f"{site}/users/{company.alice.guid}/flexhours")
    yesterday = default_as_of(web_settings("sqlite://unused")).isoformat()
    assert f'name="as_of" value="{yesterday}"' in html
    assert f"As of {yesterday}" in html


# --- /users --------------------------------------------------------------------------------


async def test_users_lists_active_people_with_saldo_band_and_slack(
    company: Company, site: str
) -> None:
    status, html, _ = await get(f"{site}/users?as_of={AS_OF}")
    assert status == 200
    rows = read_page(html).tables["people"]
    assert rows[0] == ["Name ▲", "E-mail", "Slack", "Flex saldo", "Change from last month", "Band"]
    assert rows[1:] == [
        ["Alice Aalto", "alice@example.com", "yes", "+8.75h", "+2.25h", "inside"],
        ["Bob Berg", "bob@example.com", "no", "not active", ""],
        ["Carol Cole", "carol@example.com", "no", "no contract on 2025-01-16", ""],
        ["Erin <b>Eck</b>", "", "no", "no e-mail in 10000ft", ""],
        ["Frank Fisher", "frank@example.com", "no", "-120.00h", "", "▼ below"],
        ["Gina Gray", "gina@example.com", "no", "+150.00h", "", "▲ above"],
    ]
    assert "Dave" not in html
    assert f'href="/users/{company.alice.guid}/flexhours?as_of={AS_OF}"' in html
    assert "<b>Eck</b>" not in html  # escaped: the parser above decoded &lt;b&gt;


async def test_users_can_include_archived_people(company: Company, site: str) -> None:
    _, html, _ = await get(f"{site}/users?as_of={AS_OF}&archived=1")
    rows = read_page(html).tables["people"]
    assert ["Dave Dunn archived", "dave@example.com", "no", "archived", ""] in rows
    assert len(rows) == 1 + 7


async def test_users_sorted_by_saldo_both_ways(company: Company, site: str) -> None:
    _, html, _ = await get(f"{site}/users?as_of={AS_OF}&sort=saldo")
    names = [row[0] for row in read_page(html).tables["people"][1:]]
    assert names == ["Frank Fisher", "Alice Aalto", "Gina Gray", "Bob Berg", "Carol Cole",
                     "Erin <b>Eck</b>"]  # fmt: skip
    assert f'href="/users?sort=-saldo&amp;as_of={AS_OF}"' in html  # the header toggles
    _, html, _ = await get(f"{site}/users?as_of={AS_OF}&sort=-saldo")
    names = [row[0] for row in read_page(html).tables["people"][1:]]
    assert names[:3] == ["Gina Gray", "Alice Aalto", "Frank Fisher"]


async def test_users_bad_parameters_are_400_pages(db: str, site: str) -> None:
    for query, message in [
        ("sort=email", "sort must be one of name, saldo, -saldo; got &#39;email&#39;."),
        ("archived=maybe", "archived must be 1 or 0; got &#39;maybe&#39;."),
        ("as_of=2025-02-30", "as_of must be a date written YYYY-MM-DD"),
    ]:
        status, html, _ = await get(f"{site}/users?{query}")
        assert (status, message in html) == (400, True), query


async def test_users_empty_database(db: str) -> None:
    # Signing in needs an active person: the emptiest company is its HR person alone.
    settings = web_settings(db)
    await sign_in_as_hr(settings, await make_person("Hilda", "Hr"))
    async with serve_web(settings) as site:
        _, html, _ = await get(f"{site}/users")
    assert [row[0] for row in read_page(html).tables["people"][1:]] == ["Hilda Hr"]


async def test_users_saldos_come_from_one_batch(company: Company, site: str) -> None:
    """The number of SQL statements does not grow with the number of people."""

    async def statements_for_users_page() -> int:
        seen: list[logging.LogRecord] = []
        handler = logging.Handler()
        handler.emit = seen.append  # type: ignore[method-assign]
        logger = logging.getLogger("tortoise.db_client")
        old_level = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        try:
            status, _, _ = await get(f"{site}/users?as_of={AS_OF}")
        finally:
            logger.removeHandler(handler)
            logger.setLevel(old_level)
        assert status == 200
        return len(seen)

    before = await statements_for_users_page()
    for n in range(5):
        person = await make_person(f"Extra{n}", "Person")
        await contract(person, D(2025, 1, 1), None)
        await add_entry(person, D(2025, 1, 2), "7.5")
    after = await statements_for_users_page()
    assert before > 0
    assert after == before


# --- the rest of the site ------------------------------------------------------------------


async def test_start_page_links_to_people_and_health(db: str, site: str) -> None:
    status, html, headers = await get(f"{site}/")
    assert status == 200
    assert 'href="/users"' in html
    assert 'href="/healthz"' in html
    assert "script-src" not in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]


async def test_stylesheet_is_served(db: str, site: str) -> None:
    _, html, _ = await get(f"{site}/")
    href = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert href.startswith("/static/site.css?v=")
    status, css, headers = await get(site + href.replace("&amp;", "&"))
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "font-variant-numeric: tabular-nums" in css


async def test_unknown_path_is_a_404_page_and_healthz_stays_plain(db: str, site: str) -> None:
    status, html, _ = await get(f"{site}/no-such-page")
    assert status == 404
    assert "There is no page at /no-such-page." in html
    status, text, headers = await get(f"{site}/healthz")
    assert (status, text) == (200, "ok")
    assert headers["Content-Type"].startswith("text/plain")


async def test_post_is_refused_with_a_page(db: str, site: str) -> None:
    async with (
        aiohttp.ClientSession(headers=VIEWER) as session,
        session.post(f"{site}/users") as response,
    ):
        assert response.status == 405
        assert "POST is not allowed here." in await response.text()
        assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    ("saldo", "position"),
    [(Decimal("8.75"), "inside"), (Decimal("-900"), "below"), (Decimal("5000"), "above")],
)
def test_band_gauge_keeps_the_marker_in_the_picture(saldo: Decimal, position: str) -> None:
    gauge = band_gauge(saldo, Decimal(-40), Decimal(120))
    assert gauge.position == position
    assert MARGIN <= gauge.marker_x <= gauge.width - MARGIN
    assert gauge.band_x <= gauge.marker_x <= gauge.band_x + gauge.band_width or position != "inside"
    assert (gauge.marker_x < gauge.band_x) == (position == "below")


async def test_links_keep_public_url_path_prefix(company: Company, db: str) -> None:
    settings = web_settings(db, PUBLIC_URL="https://finance.example.com/admin/")
    await sign_in_as_hr(settings, company.alice)
    async with serve_web(settings) as url:
        _, html, _ = await get(f"{url}/users?as_of={AS_OF}")
    assert f'href="/admin/users/{company.alice.guid}/flexhours?as_of={AS_OF}"' in html
    assert 'href="/admin/static/site.css?v=' in html
