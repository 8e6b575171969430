"""``/invoices``, ``/invoices/<uuid>`` and ``/projects/<guid>``: who sees what, the filters, the
hand-computed figures, checks with their entries, entries by phase and person, the check
history, changed since approval and the comparison with last month.

The company is tests/support/invoice_site.py's.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from html import unescape
from urllib.parse import urlsplit

import pytest

from core.settings import Settings
from models import HourEntry, Invoice, InvoiceCheck, Person
from models.invoices.approval import ReviewForm, ReviewRights, record_review
from models.invoices.refresh import refresh_invoice_months
from models.invoices.review import figures_fingerprint, invoice_figures
from tests.support.invoice_site import InvoiceCompany, build_invoice_company
from tests.support.signed_in import fetch, rows_of
from tests.support.web_company import make_person
from tests.support.web_site import read_page, serve_web, web_settings
from web.pages import invoices as invoices_module


@dataclass
class Site:
    url: str
    settings: Settings
    company: InvoiceCompany

    async def get(self, path: str, who: Person | None) -> tuple[int, str]:
        answer = await fetch(self.url + path, self.settings, who)
        return answer.status, answer.text


def error_message(html: str) -> str:
    """The sentence of an error page (its entities resolved: ``project's``)."""
    match = re.search(r'<p class="error-message">(.*?)</p>', html, re.S)
    assert match is not None, "not an error page"
    return unescape(match.group(1))


@pytest.fixture
async def site(db: str) -> AsyncIterator[Site]:
    company = await build_invoice_company()
    settings = web_settings(db)
    async with serve_web(settings) as url:
        yield Site(url, settings, company)


def listed_periods(html: str) -> list[tuple[str, str]]:
    """(month, project) of each row of the invoice list."""
    return [(row[0].split(" ")[0], row[1]) for row in rows_of(read_page(html).tables["invoices"])]


# --- who sees what -----------------------------------------------------------------------------

PAGES = {
    "list": "/invoices",
    "acme invoice": "/invoices/{acme}",
    "beta invoice": "/invoices/{beta}",
    "acme csv": "/invoices/{acme}/entries.csv",
    "acme xlsx": "/invoices/{acme}/entries.xlsx",
    "beta csv": "/invoices/{beta}/entries.csv",
    "acme project": "/projects/project-guid-1",
    "beta project": "/projects/project-guid-2",
}
#: Who gets what: finance and admins everything, a project's admins their project's only,
#: everyone else (HR included) nothing.
EXPECTED = {
    "fiona": dict.fromkeys(PAGES, 200),
    "adam": dict.fromkeys(PAGES, 200),
    "paula": {page: 403 if "beta" in page else 200 for page in PAGES},
    "olli": {page: 403 if "acme" in page else 200 for page in PAGES},
    "hanna": dict.fromkeys(PAGES, 403),
    "alice": dict.fromkeys(PAGES, 403),
}


def page_path(site: Site, page: str) -> str:
    c = site.company
    return PAGES[page].format(acme=c.acme_january.id, beta=c.beta_january.id)


@pytest.mark.parametrize("who", sorted(EXPECTED))
async def test_each_person_opens_exactly_the_invoices_they_may_see(site: Site, who: str) -> None:
    person = getattr(site.company, who)
    got = {page: (await site.get(page_path(site, page), person))[0] for page in PAGES}
    assert got == EXPECTED[who]


async def test_refusals_name_who_may_and_show_no_figures(site: Site) -> None:
    status, html = await site.get(page_path(site, "beta invoice"), site.company.paula)
    assert status == 403
    assert "Beta site is not one of them" in error_message(html) and "8.00" not in html
    status, html = await site.get(page_path(site, "acme invoice"), site.company.hanna)
    assert status == 403
    assert error_message(html).startswith(
        "Invoices are for the admin and finance groups and for each project's admins"
    )
    assert "Acme" not in html and "19.75" not in html
    status, text = await site.get(page_path(site, "acme csv"), site.company.hanna)
    assert status == 403 and "Feature work" not in text


async def test_signed_out_visitors_and_archived_people_are_sent_to_sign_in(site: Site) -> None:
    archived = await make_person("Arto", "Archived", archived=True)
    await site.company.acme.admins.add(archived)
    for page in PAGES:
        path = page_path(site, page)
        browser = await fetch(site.url + path, site.settings, headers={"Accept": "text/html"})
        assert browser.status == 302
        assert urlsplit(browser.headers["Location"]).path == "/sign-in"
        assert (await fetch(site.url + path, site.settings)).status == 401
        answer = await fetch(site.url + path, site.settings, archived)
        assert answer.status == 302


async def test_a_project_admin_lists_only_their_projects_invoices(site: Site) -> None:
    status, html = await site.get("/invoices", site.company.paula)
    assert status == 200
    assert listed_periods(html) == [("2025-01", "Acme portal"), ("2024-12", "Acme portal")]
    assert "The invoices of the projects you administer" in html
    assert "Beta" not in html  # not even among the client filter's options


async def test_finance_lists_every_invoice_newest_first_with_two_decimals(site: Site) -> None:
    status, html = await site.get("/invoices", site.company.fiona)
    assert status == 200
    page = read_page(html)
    rows = rows_of(page.tables["invoices"])
    assert [(r[0].split(" ")[0], r[1]) for r in rows] == [
        ("2025-01", "Internal work"),  # no client first
        ("2025-01", "Acme portal"),
        ("2025-01", "Beta site"),
        ("2024-12", "Acme portal"),
    ]
    acme = page.rows[f"invoice-{site.company.acme_january.id}"]
    assert acme[1:7] == ["Acme portal", "Acme Oy", "Created", "19.75", "14.75", "1494.98 EUR"]
    assert acme[7] == "13 incorrect entries remarkable change"
    assert page.texts["counts"] == (
        "4 invoices · 40.75 h, 32.75 h billable · 3294.98 EUR"  # 19.75 + 10 + 8 + 3 h
    )
    assert f'href="/invoices/{site.company.acme_january.id}"' in html
    assert 'href="/projects/project-guid-1"' in html


# --- filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?month=2025-01", ["Internal work", "Acme portal", "Beta site"]),
        ("?month=2024-12", ["Acme portal"]),
        ("?month=2023-05", []),
        ("?client=Beta+Ltd", ["Beta site"]),
        ("?client=Nobody+Oy", []),
        ("?problems=1", ["Internal work", "Acme portal"]),
        ("?state=approved", ["Beta site"]),
        ("?state=created&client=Acme+Oy", ["Acme portal", "Acme portal"]),
        ("?project=project-guid-1&month=2024-12", ["Acme portal"]),
    ],
)
async def test_filters(site: Site, query: str, expected: list[str]) -> None:
    await Invoice.filter(id=site.company.beta_january.id).update(state="Approved")
    status, html = await site.get("/invoices" + query, site.company.fiona)
    assert status == 200
    table = read_page(html).tables.get("invoices")
    assert ([row[1] for row in rows_of(table)] if table else []) == expected
    if not expected:
        assert "No invoices match these filters." in html


async def test_changed_since_approval_counts_as_a_problem(site: Site) -> None:
    await Invoice.filter(id=site.company.beta_january.id).update(
        state="Approved", changed_since_approval=True
    )
    _, html = await site.get("/invoices?problems=1&client=Beta+Ltd", site.company.fiona)
    assert [row[1] for row in rows_of(read_page(html).tables["invoices"])] == ["Beta site"]
    assert "changed since approval" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?month=2025-13", "month must be a month written YYYY-MM"),
        ("?month=January", "month must be a month written YYYY-MM"),
        ("?state=paid", "state must be one of created, approved, preview, sent"),
        ("?problems=maybe", "problems must be 1 or 0"),
        ("?page=0", "page must be a page number"),
    ],
)
async def test_bad_filters_are_refused_with_a_reason(site: Site, query: str, message: str) -> None:
    status, html = await site.get("/invoices" + query, site.company.fiona)
    assert status == 400
    assert message in html


async def test_filtering_by_an_unknown_or_foreign_project(site: Site) -> None:
    status, html = await site.get("/invoices?project=no-such-guid", site.company.fiona)
    assert status == 404
    assert error_message(html) == "No project has the 10000ft guid 'no-such-guid'."
    status, _ = await site.get("/invoices?project=project-guid-2", site.company.paula)
    assert status == 403


async def test_the_list_is_paginated(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(invoices_module, "PAGE_SIZE", 3)
    _, html = await site.get("/invoices?client=&problems=0", site.company.fiona)
    page = read_page(html)
    assert len(rows_of(page.tables["invoices"])) == 3
    assert page.texts["counts"].startswith("4 invoices · page 1 of 2")
    assert 'href="/invoices?page=2" rel="next"' in html
    _, html = await site.get("/invoices?page=2", site.company.fiona)
    assert listed_periods(html) == [("2024-12", "Acme portal")]
    assert 'href="/invoices" rel="prev"' in html
    _, html = await site.get("/invoices?page=9", site.company.fiona)  # the last page
    assert listed_periods(html) == [("2024-12", "Acme portal")]


# --- one invoice -------------------------------------------------------------------------------


async def test_unknown_and_malformed_invoice_ids_are_not_found(site: Site) -> None:
    for path in (
        f"/invoices/{uuid.uuid4()}",
        "/invoices/not-a-uuid",
        f"/invoices/{uuid.uuid4()}/entries.csv",
        "/invoices/12345/entries.xlsx",
        "/projects/no-such-guid",
    ):
        status, html = await site.get(path, site.company.fiona)
        assert status == 404, path
    status, html = await site.get("/invoices/not-a-uuid", site.company.fiona)
    assert error_message(html) == "There is no invoice 'not-a-uuid': an invoice's id is a UUID."
    # Someone who may see no invoices is refused before the id is looked at.
    assert (await site.get(f"/invoices/{uuid.uuid4()}", site.company.hanna))[0] == 403


async def test_the_invoice_page_shows_the_hand_computed_figures(site: Site) -> None:
    status, html = await site.get(f"/invoices/{site.company.acme_january.id}", site.company.paula)
    assert status == 200
    page = read_page(html)
    assert "Acme portal · January 2025" in html
    figures = dict(page.tables["figures"])
    assert figures == {
        "Hours": "19.75",
        "Billable hours": "14.75",
        "Billable share": "74.68 %",
        "Average rate": "75.70 EUR",
        "Money from hours": "1494.98 EUR",
        "Money (EUR)": "1494.98 EUR",
    }
    assert page.rows["compare-hours"] == ["Hours", "10.00", "19.75", "+9.75h", "+97.50 %"]
    assert page.rows["compare-average-rate"] == [
        "Average rate",
        "100.00",
        "75.70",
        "-24.30",
        "-24.30 %",
    ]
    assert page.rows["compare-money"] == [
        "Money from hours (EUR)",
        "1000.00",
        "1494.98",
        "+494.98",
        "+49.50 %",
    ]
    assert page.texts["remarkable"].startswith("remarkable A remarkable change")
    assert f'href="/invoices/{site.company.acme_december.id}"' in html
    assert page.texts["state"] == "Waiting for approval"
    assert f'href="/invoices/{site.company.acme_january.id}/entries.xlsx"' in html


async def test_checks_list_their_entries_with_what_is_wrong(site: Site) -> None:
    _, html = await site.get(f"/invoices/{site.company.acme_january.id}", site.company.fiona)
    page = read_page(html)
    counts = {row[0]: row[1] for row in page.tables["checks"]}
    assert counts == {
        "Non phase specific": "1",
        "Non-billable": "2",
        "Odd bill rate": "2",
        "No category": "4",
        "Not approved": "2",
        "Empty notes": "2",
    }
    odd = rows_of(page.tables["entries-odd_rate"])
    assert [(r[0], r[1], r[4], r[5]) for r in odd] == [
        ("2025-01-08", "Bob Berg", "1.00", "170.00"),
        ("2025-01-09", "Alice Aalto", "4.00", "50.00"),
    ]
    assert "bill rate 170.00 (expected between 50.00 and 170.00)" in odd[0][8]
    [nps] = rows_of(page.tables["entries-non_phase_specific"])
    assert nps[:2] == ["2025-01-07", "Bob Berg"]
    assert nps[8] == (
        'no phase ("[Non Phase Specific]"); not approved in 10000ft (Pending Approval); '
        "no notes; no category"
    )
    assert len(rows_of(page.tables["entries-no_category"])) == 4
    assert len(rows_of(page.tables["entries-empty_notes"])) == 2
    assert [r[2] for r in rows_of(page.tables["entries-non_billable"])] == [
        "Non-billable meetings",
        "non billable travel",
    ]


async def test_entries_are_grouped_by_phase_and_person(site: Site) -> None:
    _, html = await site.get(f"/invoices/{site.company.acme_january.id}", site.company.fiona)
    rows = read_page(html).tables["entries"]
    assert rows[1:] == [
        ["[Non Phase Specific]", "1", "2.25", "2.25", "224.98"],
        ["", "Bob Berg", "1", "2.25", "2.25", "224.98"],
        ["Development", "3", "12.50", "12.50", "1270.00"],
        ["", "Alice Aalto", "2", "11.50", "11.50", "1100.00"],
        ["", "Bob Berg", "1", "1.00", "1.00", "170.00"],
        ["non billable travel", "1", "2.00", "0.00", "0.00"],
        ["", "Bob Berg", "1", "2.00", "0.00", "0.00"],
        ["Non-billable meetings", "1", "3.00", "0.00", "0.00"],
        ["", "Alice Aalto", "1", "3.00", "0.00", "0.00"],
        ["Total", "6", "19.75", "14.75", "1494.98"],
    ]
    assert "6 counted entries; 2 more (5.00 h) are not counted" in html


async def test_an_internal_projects_invoice_bills_nothing(site: Site) -> None:
    _, html = await site.get(f"/invoices/{site.company.internal_january.id}", site.company.adam)
    page = read_page(html)
    assert dict(page.tables["figures"])["Billable share"] == "0.00 %"
    assert dict(page.tables["figures"])["Money (EUR)"] == "0.00 EUR"
    assert "internal project: nothing is billable" in html
    assert "No invoice for 2024-12: nothing to compare with" in html
    assert "no client" in page.texts["invoice-meta"]


async def test_history_and_changes_since_approval(site: Site) -> None:
    c = site.company
    invoice = c.beta_january

    async def review(who: Person, form: ReviewForm, *, admin: bool, finance: bool) -> None:
        stored = await Invoice.get(id=invoice.id)
        await record_review(
            invoice.id,
            seen_version=stored.review_version,
            seen_figures=figures_fingerprint(invoice_figures(stored, "EUR")),
            form=form,
            checker=who,
            checker_slack_id="",
            rights=ReviewRights(may_approve=admin, may_set_number=finance),
            hours_currency="EUR",
        )

    await review(
        c.olli,
        ReviewForm(request_changes=True, comment="Wrong <b>phase</b>"),
        admin=True,
        finance=False,
    )
    _, html = await site.get(f"/invoices/{invoice.id}", c.olli)
    assert "Changes requested by Olli Owner" in read_page(html).texts["changes-requested"]
    assert "Wrong <b>phase</b>" in read_page(html).texts["changes-requested"]

    await review(c.olli, ReviewForm(approve=True, comment="Fine now"), admin=True, finance=False)
    await review(c.fiona, ReviewForm(invoice_number="INV-7", sent=False), admin=False, finance=True)
    # A later sync adds two hours to the approved invoice.
    entry = await HourEntry.get(project_id=c.beta.id)
    await HourEntry.filter(id=entry.id).update(hours=Decimal(10))
    await refresh_invoice_months([(c.beta.id, 2025, 1)])

    status, html = await site.get(f"/invoices/{invoice.id}", c.olli)
    assert status == 200
    page = read_page(html)
    assert page.texts["state"] == (
        "Approved, invoice number recorded (Preview) · invoice number INV-7"
    )
    assert page.texts["approved-by"].startswith("Approved by Olli Owner on ")
    assert "changes-requested" not in page.texts  # settled by the approval
    changed = page.texts["changed-since-approval"]
    assert "Changed since approval: +2.00h, +200.00 EUR." in changed
    assert "Approved with 8.00 h and 800.00 EUR; now 10.00 h and 1000.00 EUR." in changed
    history = rows_of(page.tables["history"])
    assert [row[1:4] for row in history] == [
        ["Fiona Finance", "recorded by finance", ""],
        ["Olli Owner", "approved", ""],
        ["Olli Owner", "requested changes", ""],
    ]
    assert [row[4:] for row in history] == [
        ["", "INV-7", "no", "Preview"],
        ["Fine now", "", "no", "Approved"],
        ["Changes requested: Wrong <b>phase</b>", "", "no", "Created"],
    ]
    assert await InvoiceCheck.filter(invoice_id=invoice.id).count() == 3


async def test_confirmed_checks_are_named_in_the_history(site: Site) -> None:
    c = site.company
    stored = await Invoice.get(id=c.acme_january.id)
    flagged = invoice_figures(stored, "EUR").flagged()
    await record_review(
        stored.id,
        seen_version=stored.review_version,
        seen_figures=figures_fingerprint(invoice_figures(stored, "EUR")),
        form=ReviewForm(confirmed=frozenset(flagged), approve=True),
        checker=c.paula,
        checker_slack_id="UPAULA",
        rights=ReviewRights(may_approve=True, may_set_number=False),
        hours_currency="EUR",
    )
    _, html = await site.get(f"/invoices/{c.acme_january.id}", c.paula)
    [check] = rows_of(read_page(html).tables["history"])
    assert check[3] == (
        "Non phase specific, Non-billable, Odd bill rate, No category, Not approved, "
        "Empty notes, Remarkable change"
    )


# --- a project ---------------------------------------------------------------------------------


async def test_the_project_page_shows_totals_invoices_and_admins(site: Site) -> None:
    c = site.company
    c.acme.starts_at = datetime.date(2024, 11, 1)
    await c.acme.save()
    status, html = await site.get("/projects/project-guid-1", c.paula)
    assert status == 200
    page = read_page(html)
    assert page.texts["project-admins"] == "Paula Pm"
    assert page.texts["project-starts"] == "2024-11-01"
    assert page.texts["project-ends"] == "not set in 10000ft"
    assert dict(page.tables["totals"]) == {
        "Hours": "29.75",
        "Money from hours": "2494.98 EUR",
        "Money (EUR)": "2494.98 EUR",
    }
    assert [row[:3] for row in rows_of(page.tables["project-invoices"])] == [
        ["2025-01", "Created", "19.75"],
        ["2024-12", "Created", "10.00"],
    ]
    assert "Add a fixed row" not in html  # a project admin does not edit fixed rows


async def test_a_project_without_dates_client_or_admins_renders(site: Site) -> None:
    status, html = await site.get("/projects/project-guid-3", site.company.fiona)
    assert status == 200
    page = read_page(html)
    assert page.texts["project-starts"] == "not set in 10000ft"
    assert page.texts["project-ends"] == "not set in 10000ft"
    assert "none: no tag names an active person" in page.texts["project-admins"]
    assert "internal: nothing is billable" in html
    assert "Add a fixed row to the project" in html  # finance does


async def test_the_project_page_lists_the_latest_twelve_invoices(site: Site) -> None:
    c = site.company
    await Invoice.bulk_create(
        [Invoice(project_id=c.beta.id, year=2023, month=month) for month in range(1, 13)]
    )
    _, html = await site.get("/projects/project-guid-2", c.olli)
    rows = rows_of(read_page(html).tables["project-invoices"])
    assert len(rows) == 12 and rows[0][0] == "2025-01" and rows[-1][0] == "2023-02"
    assert 'href="/invoices?project=project-guid-2">All 13 invoices of Beta site' in html


# --- navigation and the start page ------------------------------------------------------------


@pytest.mark.parametrize(("who", "shown"), [("fiona", True), ("paula", True), ("hanna", False)])
async def test_the_navigation_links_invoices_for_who_may_see_them(
    site: Site, who: str, shown: bool
) -> None:
    _, html = await site.get("/", getattr(site.company, who))
    assert ('<a href="/invoices"' in html) is shown
    assert ("Invoices waiting for you" in html) is shown


async def test_the_start_page_lists_what_waits_for_a_project_admin_and_finance(
    site: Site,
) -> None:
    c = site.company
    await Invoice.filter(id=c.beta_january.id).update(state="Approved")
    _, html = await site.get("/", c.paula)
    assert read_page(html).texts["invoices-to-approve"] == (
        "Acme portal · 2024-12 Acme portal · 2025-01"
    )
    assert f'href="/invoices/{c.acme_january.id}"' in html
    _, html = await site.get("/", c.fiona)
    assert read_page(html).texts["invoices-for-finance"] == "Beta site · 2025-01 Approved"
    _, html = await site.get("/", c.olli)
    assert "no-invoices-waiting" in read_page(html).texts
