"""Fixed rows on ``/projects/<guid>`` and ``/invoices/<uuid>``: finance adds, edits and deletes
them; each change is audit-logged and the invoices' figures follow at once; a refused form
names each problem beside its field and saves nothing; nobody but finance changes anything,
however the request is made.

The company is tests/support/invoice_site.py's (Fiona is in the finance group).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from core.settings import Settings
from models import AuditLog, Invoice, InvoiceFixedRow, Person, ProjectFixedRow
from tests.support.contracts_site import Visitor, visitor
from tests.support.invoice_site import InvoiceCompany, build_invoice_company
from tests.support.web_site import read_page, serve_web, web_settings

ACTOR = "web:fiona@example.com"
ACME = "/projects/project-guid-1"


@dataclass
class Site:
    url: str
    settings: Settings
    company: InvoiceCompany


@pytest.fixture
async def site(db: str) -> AsyncIterator[Site]:
    company = await build_invoice_company()
    settings = web_settings(db)
    async with serve_web(settings) as url:
        yield Site(url, settings, company)


@pytest.fixture
async def finance(site: Site) -> AsyncIterator[Visitor]:
    async with visitor(site.url, site.settings, site.company.fiona) as browser:
        yield browser


def row_form(
    description: str = "Hosting", price: str = "500.00", currency: str = "EUR"
) -> dict[str, str]:
    return {"description": description, "price": price, "currency": currency}


async def audit_rows() -> list[AuditLog]:
    return list(await AuditLog.all().order_by("id"))


async def fixed_money(invoice: Invoice) -> dict[str, str]:
    return (await Invoice.get(id=invoice.id)).fixed_rows_money


@dataclass(frozen=True)
class Stored:
    project_rows: int
    invoice_rows: int
    audit_rows: int
    figures: tuple[object, ...]


async def stored() -> Stored:
    invoices = await Invoice.all().order_by("id").values_list("fixed_rows_money", "updated_at")
    return Stored(
        await ProjectFixedRow.all().count(),
        await InvoiceFixedRow.all().count(),
        await AuditLog.all().count(),
        tuple(map(tuple, invoices)),
    )


def field_error(html: str, field: str) -> str:
    """The error beside ``field``, after checking the field points at it."""
    tag = re.search(rf'<input[^>]*\bid="f-{field}"[^>]*>', html)
    assert tag is not None, f"no field {field}"
    assert re.search(rf'aria-describedby="[^"]*\be-{field}\b', tag.group(0)), tag.group(0)
    assert 'aria-invalid="true"' in tag.group(0)
    return read_page(html).texts[f"e-{field}"]


# --- a project's rows --------------------------------------------------------------------------


async def test_finance_adds_edits_and_deletes_a_project_row(site: Site, finance: Visitor) -> None:
    c = site.company
    status, html = await finance.get(f"{ACME}/fixed-rows/new")
    assert status == 200 and 'value="EUR"' in html  # HOURS_CURRENCY by default

    status, _, location = await finance.post(f"{ACME}/fixed-rows", row_form())
    assert (status, location) == (303, f"{ACME}#fixed-rows")
    row = await ProjectFixedRow.get(project_id=c.acme.id)
    assert (row.description, row.price, row.currency) == ("Hosting", Decimal(500), "EUR")
    # Both invoices of the project bill it now (still Created); other projects do not.
    assert await fixed_money(c.acme_january) == {"EUR": "500"}
    assert await fixed_money(c.acme_december) == {"EUR": "500"}
    assert await fixed_money(c.beta_january) == {}
    [created] = await audit_rows()
    assert (created.actor, created.entity, created.entity_id, created.action) == (
        ACTOR,
        "project_fixed_row",
        str(row.id),
        "create",
    )
    assert created.before is None
    assert created.after == {
        "project": "Acme portal",
        "project_guid": "project-guid-1",
        "description": "Hosting",
        "price": "500",
        "currency": "EUR",
    }

    status, html = await finance.get(ACME)
    page = read_page(html)
    assert page.texts["notice"] == "The fixed row Hosting (500.00 EUR) of Acme portal was added."
    assert page.rows[f"fixed-row-{row.id}"][:3] == ["Hosting", "500.00", "EUR"]
    assert dict(page.tables["totals"])["Money (EUR)"] == "3494.98 EUR"  # 2494.98 + 2 × 500

    status, _, _ = await finance.post(
        f"{ACME}/fixed-rows/{row.id}", row_form("Hosting, yearly", "-120.5", "USD")
    )
    assert status == 303
    assert await fixed_money(c.acme_january) == {"USD": "-120.5"}
    updated = (await audit_rows())[-1]
    assert updated.action == "update"
    assert (updated.before["price"], updated.after["price"]) == ("500", "-120.5")
    assert (updated.before["currency"], updated.after["currency"]) == ("EUR", "USD")
    status, html = await finance.get(f"/invoices/{c.acme_january.id}")
    figures = dict(read_page(html).tables["figures"])
    assert figures["Fixed rows (USD)"] == "-120.50 USD"
    assert figures["Money (EUR)"] == "1494.98 EUR"
    assert figures["Money (USD)"] == "-120.50 USD"

    status, html = await finance.get(f"{ACME}/fixed-rows/{row.id}/delete")
    assert status == 200 and "Delete the fixed row Hosting, yearly (-120.50 USD)" in html
    status, _, location = await finance.post(f"{ACME}/fixed-rows/{row.id}/delete", {})
    assert (status, location) == (303, f"{ACME}#fixed-rows")
    assert not await ProjectFixedRow.exists(id=row.id)
    assert await fixed_money(c.acme_january) == {}
    deleted = (await audit_rows())[-1]
    assert (deleted.action, deleted.after) == ("delete", None)
    assert deleted.before["description"] == "Hosting, yearly"


async def test_saving_the_same_values_changes_nothing(site: Site, finance: Visitor) -> None:
    await finance.post(f"{ACME}/fixed-rows", row_form())
    row = await ProjectFixedRow.get(project_id=site.company.acme.id)
    before = await stored()
    status, _, _ = await finance.post(f"{ACME}/fixed-rows/{row.id}", row_form(price="500"))
    assert status == 303
    assert await stored() == before
    _, html = await finance.get(ACME)
    assert "Nothing changed: the fixed row Hosting (500.00 EUR) of Acme portal" in html


async def test_a_copied_invoice_keeps_its_rows_when_the_project_changes(
    site: Site, finance: Visitor
) -> None:
    c = site.company
    await Invoice.filter(id=c.acme_december.id).update(state="Sent")
    await InvoiceFixedRow.create(
        invoice_id=c.acme_december.id,
        description="Hosting",
        price=100,
        currency="EUR",
        from_project=True,
    )
    assert await fixed_money(c.acme_december) == {"EUR": "100"}
    await finance.post(f"{ACME}/fixed-rows", row_form("Support", "50", "EUR"))
    assert await fixed_money(c.acme_december) == {"EUR": "100"}  # copied at Preview already
    assert await fixed_money(c.acme_january) == {"EUR": "50"}
    _, html = await finance.get(f"/invoices/{c.acme_december.id}")
    rows = read_page(html).tables["fixed-rows-table"]
    assert [r[:4] for r in rows[1:]] == [["Hosting", "100.00", "EUR", "copied from the project"]]
    _, html = await finance.get(f"/invoices/{c.acme_january.id}")
    rows = read_page(html).tables["fixed-rows-table"]
    assert [r[:4] for r in rows[1:]] == [["Support", "50.00", "EUR", "the project"]]


# --- an invoice's own rows ---------------------------------------------------------------------


async def test_finance_adds_a_row_to_one_invoice(site: Site, finance: Visitor) -> None:
    c = site.company
    path = f"/invoices/{c.acme_january.id}"
    status, _, location = await finance.post(
        f"{path}/fixed-rows", row_form("Licence", "20.50", "USD")
    )
    assert (status, location) == (303, f"{path}#fixed-rows")
    row = await InvoiceFixedRow.get(invoice_id=c.acme_january.id)
    assert not row.from_project
    assert await fixed_money(c.acme_january) == {"USD": "20.5"}
    assert await fixed_money(c.acme_december) == {}
    [audit] = await audit_rows()
    assert (audit.entity, audit.action, audit.actor) == ("invoice_fixed_row", "create", ACTOR)
    assert audit.after == {
        "invoice": str(c.acme_january.id),
        "project": "Acme portal",
        "project_guid": "project-guid-1",
        "month": "2025-01",
        "description": "Licence",
        "price": "20.5",
        "currency": "USD",
        "from_project": False,
    }
    _, html = await finance.get(path)
    page = read_page(html)
    assert page.texts["notice"] == (
        "The fixed row Licence (20.50 USD) of Acme portal, 2025-01 was added."
    )
    assert page.rows[f"fixed-row-{row.id}"][:4] == ["Licence", "20.50", "USD", "this invoice"]
    assert dict(page.tables["figures"])["Money (USD)"] == "20.50 USD"

    status, _, _ = await finance.post(f"{path}/fixed-rows/{row.id}", row_form("Licence", "25"))
    assert await fixed_money(c.acme_january) == {"EUR": "25"}
    status, _, _ = await finance.post(f"{path}/fixed-rows/{row.id}/delete", {})
    assert status == 303 and await fixed_money(c.acme_january) == {}
    assert [a.action for a in await audit_rows()] == ["create", "update", "delete"]


async def test_a_row_of_another_owner_is_not_found(site: Site, finance: Visitor) -> None:
    c = site.company
    await finance.post(f"{ACME}/fixed-rows", row_form())
    row = await ProjectFixedRow.get(project_id=c.acme.id)
    before = await stored()
    for path in (
        f"/projects/project-guid-2/fixed-rows/{row.id}",
        f"/invoices/{c.acme_january.id}/fixed-rows/{row.id}",
        f"{ACME}/fixed-rows/999999",
    ):
        assert (await finance.get(path))[0] == 404, path
        status, _, _ = await finance.post(path, row_form(price="1"))
        assert status == 404, path
        status, _, _ = await finance.post(path + "/delete", {})
        assert status == 404, path
    assert await stored() == before
    assert (await finance.get("/projects/no-such-guid/fixed-rows/new"))[0] == 404
    assert (await finance.get("/invoices/not-a-uuid/fixed-rows/new"))[0] == 404


# --- refused forms -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (row_form(description="  "), "description", "Write what the row bills, like Hosting."),
        (
            row_form(description="x" * 256),
            "description",
            "A description has at most 255 characters; this one has 256.",
        ),
        (
            row_form(description="two\tparts"),
            "description",
            "A description is one line of text, without tabs.",
        ),
        (row_form(price=""), "price", "Enter the price, like 1200.00."),
        (
            row_form(price="12,50"),
            "price",
            "The price must be a number with at most two decimals (a dot for the decimal point, "
            "no spaces), like 1200.50 or -50.00 for a credit; got '12,50'.",
        ),
        (
            row_form(price="1.234"),
            "price",
            "The price must be a number with at most two decimals, like 1200.50 or -50.00 for a "
            "credit; got '1.234'.",
        ),
        (row_form(price="1e3"), "price", "got '1e3'"),
        (row_form(price="NaN"), "price", "got 'NaN'"),
        (
            row_form(price="10000000.01"),
            "price",
            "The price must be between -10000000.00 and 10000000.00.",
        ),
        (
            row_form(currency="eur"),
            "currency",
            "The currency is three capital letters, like EUR or USD; got 'eur'.",
        ),
        (row_form(currency="EURO"), "currency", "got 'EURO'"),
        (row_form(currency=""), "currency", "got ''"),
    ],
)
@pytest.mark.parametrize("owner", ["project", "invoice"])
async def test_a_refused_form_names_the_field_and_saves_nothing(
    site: Site, finance: Visitor, form: dict[str, str], field: str, message: str, owner: str
) -> None:
    base = ACME if owner == "project" else f"/invoices/{site.company.acme_january.id}"
    before = await stored()
    status, html, _ = await finance.post(f"{base}/fixed-rows", form)
    assert status == 400
    assert message in field_error(html, field)
    assert "The fixed row was not saved" in html
    # The typed values come back.
    for name, value in form.items():
        if name != field and value.strip():
            assert f'value="{value}"' in html
    assert await stored() == before


async def test_every_problem_is_named_at_once(site: Site, finance: Visitor) -> None:
    status, html, _ = await finance.post(f"{ACME}/fixed-rows", row_form("", "abc", "e"))
    assert status == 400
    assert all(field_error(html, field) for field in ("description", "price", "currency"))
    assert html.count('aria-invalid="true"') == 3


async def test_the_boundary_prices_are_taken(site: Site, finance: Visitor) -> None:
    for price in ("10000000", "-10000000.00", "0", "0.01"):
        status, _, _ = await finance.post(f"{ACME}/fixed-rows", row_form(price=price))
        assert status == 303, price
    assert await ProjectFixedRow.all().count() == 4


# --- nobody but finance ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["adam", "paula", "hanna", "alice"])
async def test_nobody_but_finance_changes_fixed_rows(site: Site, who: str) -> None:
    c = site.company
    await ProjectFixedRow.create(project=c.acme, description="Hosting", price=500, currency="EUR")
    own = await InvoiceFixedRow.create(
        invoice_id=c.acme_january.id, description="Licence", price=20, currency="USD"
    )
    project_row = await ProjectFixedRow.get(project_id=c.acme.id)
    before = await stored()
    person: Person = getattr(c, who)
    invoice = f"/invoices/{c.acme_january.id}"
    async with visitor(site.url, site.settings, person) as browser:
        for path in (
            f"{ACME}/fixed-rows/new",
            f"{ACME}/fixed-rows/{project_row.id}",
            f"{ACME}/fixed-rows/{project_row.id}/delete",
            f"{invoice}/fixed-rows/new",
            f"{invoice}/fixed-rows/{own.id}",
        ):
            status, html = await browser.get(path)
            assert status == 403, path
            assert "This needs the finance group (to edit invoices" in html
        for path, form in (
            (f"{ACME}/fixed-rows", row_form("Forged")),
            (f"{ACME}/fixed-rows/{project_row.id}", row_form(price="1")),
            (f"{ACME}/fixed-rows/{project_row.id}/delete", {}),
            (f"{invoice}/fixed-rows", row_form("Forged")),
            (f"{invoice}/fixed-rows/{own.id}", row_form(price="1")),
            (f"{invoice}/fixed-rows/{own.id}/delete", {}),
        ):
            status, _, _ = await browser.post(path, form)  # with a valid CSRF token
            assert status == 403, path
        status, html = await browser.get(invoice)
        assert "Add a fixed row" not in html and "/fixed-rows/new" not in html
    assert await stored() == before


async def test_a_form_without_the_csrf_token_is_refused(site: Site, finance: Visitor) -> None:
    before = await stored()
    status, html, _ = await finance.post(f"{ACME}/fixed-rows", row_form(), csrf="")
    assert status == 403 and "This form has expired" in html
    status, _, _ = await finance.post(f"{ACME}/fixed-rows", row_form(), csrf="forged")
    assert status == 403
    assert await stored() == before


async def test_fixed_row_changes_are_in_the_audit_log(site: Site, finance: Visitor) -> None:
    await finance.post(f"{ACME}/fixed-rows", row_form("Hosting <b>fast</b>"))
    async with visitor(site.url, site.settings, site.company.adam) as admin:
        status, html = await admin.get("/audit?kind=fixed_row")
    assert status == 200
    [entry] = read_page(html).tables["audit"][1:]
    assert entry[1] == ACTOR
    assert entry[2].startswith("project fixed row create")
    assert "description: Hosting <b>fast</b>" in entry[3]
    assert "Hosting &lt;b&gt;fast&lt;/b&gt;" in html
