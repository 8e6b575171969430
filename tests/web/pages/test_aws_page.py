"""``/aws`` over HTTP: admins and finance see accounts, totals and products, link and unlink
(audit-logged); everyone else is refused."""

from __future__ import annotations

from models import AuditLog, AwsAccount, Person
from models.aws_billing.links import link_account
from models.groups import add_member
from tests.support.aws_billing import billing_row, store_billing
from tests.support.browsers import browser
from tests.support.invoices import invoice_of, project
from tests.support.web_site import read_page, serve_web, web_settings

ACME = "111111111111"


async def person(n: int, first: str) -> Person:
    return await Person.create(
        tenkfeet_id=n, guid=f"g-{n}", first_name=first, last_name="Test",
        email=f"{first.lower()}@example.com",
    )  # fmt: skip


async def test_finance_sees_accounts_links_and_unlinks_and_reads_a_month(db: str) -> None:
    lilja, bob = await person(1, "Lilja"), await person(2, "Bob")
    ada = await person(3, "Ada")
    await add_member("finance", lilja, actor="test")
    portal = await project(1, "Acme <portal>")
    hosting = await project(2, "Hosting")
    account = await AwsAccount.create(account_id=ACME, name="Ada Test", person=ada)
    await store_billing(
        2024, 3,
        [
            billing_row(ACME, "LinkedLineItem", "7.25", product="Amazon EC2", name="Ada Test"),
            billing_row(ACME, "LinkedLineItem", "3", product="Amazon S3", name="Ada Test"),
            billing_row(
                ACME, "LinkedLineItem", "1", product="Amazon EC2", usage="EBS", name="Ada Test"
            ),
            billing_row(ACME, "AccountTotal", "11.25", name="Ada Test"),
            billing_row(
                ACME, "LinkedLineItem", "5", product="Support", currency="EUR", name="Ada Test"
            ),
        ],
    )  # fmt: skip
    settings = web_settings(db)
    async with serve_web(settings) as url:
        async with browser(url, settings, bob.id) as nobody:
            status, html = await nobody.get("/aws")
            assert status == 403 and "finance" in html
            status, _, _ = await nobody.post("/aws/link", account=ACME, project=portal.guid)
            assert status == 403
        assert (await AwsAccount.get(id=account.id)).project_id is None  # type: ignore[attr-defined]

        async with browser(url, settings, lilja.id) as finance:
            status, html, location = await finance.post(
                "/aws/link", account=ACME, project=portal.guid
            )
            assert (status, location) == (200, "/aws")
            page = read_page(html)
            assert page.texts["notice"] == f"Linked {ACME} to Acme <portal>."
            assert page.tables["aws-accounts"][1] == [
                ACME, "Ada Test", "Ada Test", "Acme <portal> Unlink",
                "2024-03: 5.00 EUR, 11.25 USD",
            ]  # fmt: skip
            assert "Acme &lt;portal&gt;" in html
            assert '<a href="/aws" aria-current="page">AWS</a>' in html

            status, html = await finance.get(f"/aws/{ACME}/2024-03")
            assert status == 200
            assert read_page(html).tables["aws-products"] == [
                ["Product", "Rows", "Cost"],
                ["Support", "1", "5.00 EUR"],
                ["Amazon EC2", "2", "8.25 USD"],
                ["Amazon S3", "1", "3.00 USD"],
            ]
            assert (await finance.get(f"/aws/{ACME}/2024-13"))[0] == 404
            assert (await finance.get("/aws/999999999999/2024-03"))[0] == 404

            status, html, _ = await finance.post("/aws/link", account="12", project=portal.guid)
            assert status == 400
            assert (
                read_page(html).texts["link-error"] == "'12' is not an AWS account id (12 digits)."
            )

            # Linking to another project moves the account: one project, billed once.
            _, html, _ = await finance.post("/aws/link", account=ACME, project=hosting.guid)
            page = read_page(html)
            assert page.texts["notice"] == f"Moved {ACME} from Acme <portal> to Hosting."
            assert page.tables["aws-accounts"][1][3] == "Hosting Unlink"
            assert (await invoice_of(portal, 2024, 3)).aws_billing_money == {}
            assert (await invoice_of(hosting, 2024, 3)).aws_billing_money == {
                "EUR": "5",
                "USD": "11.25",
            }

            # A page opened before the move unlinks from the old project: refused.
            status, html, _ = await finance.post("/aws/unlink", account=ACME, project=portal.guid)
            assert status == 400
            assert read_page(html).texts["link-error"] == (
                f"{ACME} is linked to Hosting (project-guid-2), not to Acme <portal>: "
                "nothing changed."
            )
            status, html, _ = await finance.post("/aws/unlink", account=ACME, project=hosting.guid)
            assert read_page(html).texts["notice"] == f"Unlinked {ACME} from Hosting."
    assert (await invoice_of(hosting, 2024, 3)).aws_billing_money == {}
    audit = await AuditLog.filter(entity="aws_account_link").order_by("id")
    assert [(a.actor, a.action) for a in audit] == [
        ("web:lilja@example.com", "link"),
        ("web:lilja@example.com", "move"),
        ("web:lilja@example.com", "unlink"),
    ]


async def test_linking_from_the_web_bills_the_month_on_the_invoice(db: str) -> None:
    olivia = await person(1, "Olivia")
    await add_member("admin", olivia, actor="test")
    portal = await project(1, "Portal")
    await store_billing(2024, 3, [billing_row(ACME, "AccountTotal", "11.25")])
    await link_account(ACME, portal.guid, actor="test")
    assert (await invoice_of(portal, 2024, 3)).aws_billing_money == {"USD": "11.25"}
    settings = web_settings(db)
    async with serve_web(settings) as url, browser(url, settings, olivia.id) as admin:
        invoice = await invoice_of(portal, 2024, 3)
        status, html = await admin.get(f"/invoices/{invoice.id}")
    assert status == 200
    assert read_page(html).rows["figure-aws-USD"] == ["AWS billing (USD)", "11.25 USD"]


async def test_a_persons_page_lists_the_accounts_named_like_them(db: str) -> None:
    """Ada's page (seen by Ada and HR) shows her accounts with the latest month's total per
    currency; the month links to /aws only for a viewer who may open it (admin, finance)."""
    ada, bob, hanna = await person(1, "Ada"), await person(2, "Bob"), await person(3, "Hanna")
    await add_member("hr", hanna, actor="test")
    portal = await project(1, "Acme <portal>")
    await AwsAccount.create(account_id=ACME, name="Ada Test", person=ada, project=portal)
    await store_billing(
        2024, 3,
        [
            billing_row(ACME, "AccountTotal", "11.25", name="Ada Test"),
            billing_row(ACME, "AccountTotal", "5", name="Ada Test", currency="EUR"),
        ],
    )  # fmt: skip
    await store_billing(
        2024, 2, [billing_row(ACME, "AccountTotal", "99", month=2, name="Ada Test")]
    )
    await AwsAccount.create(account_id="222222222222", name="Ada Test (sandbox)", person=ada)
    await AwsAccount.create(account_id="333333333333", name="Bob Test", person=bob)
    expected = [
        ["Account", "Name", "Billed to", "Latest month", "Total"],
        [ACME, "Ada Test", "Acme <portal>", "2024-03", "5.00 EUR, 11.25 USD"],
        ["222222222222", "Ada Test (sandbox)", "no project", "no costs imported", ""],
    ]
    month_link = f'href="/aws/{ACME}/2024-03"'
    settings = web_settings(db)
    async with serve_web(settings) as url:
        async with browser(url, settings, ada.id) as own:
            status, html = await own.get(f"/users/{ada.guid}/flexhours")
            assert status == 200
            assert read_page(html).tables["aws-accounts"] == expected
            assert month_link not in html and "Bob Test" not in html
            assert "Acme &lt;portal&gt;" in html
            status, html = await own.get(f"/users/{bob.guid}/flexhours")
            assert status == 403 and "Bob Test" not in html
        async with browser(url, settings, hanna.id) as hr:
            status, html = await hr.get(f"/users/{ada.guid}/flexhours")
            assert read_page(html).tables["aws-accounts"] == expected
            assert month_link not in html  # HR does not see /aws
            _, html = await hr.get(f"/users/{hanna.guid}/flexhours")
            assert "aws-accounts" not in read_page(html).tables  # no accounts: no section
            await add_member("admin", hanna, actor="test")
            _, html = await hr.get(f"/users/{ada.guid}/flexhours")
            assert month_link in html
            status, _ = await hr.get(f"/aws/{ACME}/2024-03")
            assert status == 200


async def test_an_account_name_with_markup_is_shown_as_text(db: str) -> None:
    """Names come from AWS's files: escaped on /aws, its month page and the person's page."""
    ada = await person(1, "Ada")
    await add_member("admin", ada, actor="test")
    name = "<script>alert(1)</script>"
    await AwsAccount.create(account_id=ACME, person=ada)
    await store_billing(
        2024, 3, [billing_row(ACME, "LinkedLineItem", "2", product="<b>EC2</b>", name=name)]
    )
    settings = web_settings(db)
    async with serve_web(settings) as url, browser(url, settings, ada.id) as admin:
        pages = [
            await admin.get("/aws"),
            await admin.get(f"/aws/{ACME}/2024-03"),
            await admin.get(f"/users/{ada.guid}/flexhours"),
        ]
    for status, html in pages:
        assert status == 200
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert read_page(pages[0][1]).tables["aws-accounts"][1][1] == name
    assert read_page(pages[1][1]).tables["aws-products"][1] == ["<b>EC2</b>", "1", "2.00 USD"]
    assert "<b>EC2" not in pages[1][1]
    assert read_page(pages[2][1]).tables["aws-accounts"][1][1] == name


async def test_someone_outside_finance_may_not_open_a_month_or_unlink(db: str) -> None:
    bob = await person(1, "Bob")
    portal = await project(1, "Portal")
    await AwsAccount.create(account_id=ACME, name="Secret team", project=portal)
    await store_billing(2024, 3, [billing_row(ACME, "AccountTotal", "11.25", name="Secret team")])
    settings = web_settings(db)
    async with serve_web(settings) as url, browser(url, settings, bob.id) as nobody:
        status, html = await nobody.get(f"/aws/{ACME}/2024-03")
        assert status == 403 and "Secret team" not in html and "11.25" not in html
        status, html, _ = await nobody.post("/aws/unlink", account=ACME, project=portal.guid)
        assert status == 403
    assert (await AwsAccount.get(account_id=ACME)).project_id == portal.id  # type: ignore[attr-defined]
    assert await AuditLog.filter(entity="aws_account_link").count() == 0
