"""A company with invoices worked out by hand, for the invoice and project pages' tests.

People (e-mail ``first@example.com``): Fiona Finance (finance group), Adam Admin (admin
group), Hanna Hr (hr group, administers nothing), Paula Pm (an admin of Acme portal), Olli Owner
(an admin of Beta site); Alice Aalto and Bob Berg log the hours.

Acme portal (client Acme Oy; Paula):
- December 2024: 7.5 h + 2.5 h at 100, clean: 10 h, money 1000.00, average rate 100.
- January 2025, the entries of tests/support/invoices.py's ``invoice_company`` (each entry's
  checks beside it below): counted 19.75 h, billable 14.75 h, money 7.5 × 120 + 2.25 × 99.99 +
  1 × 170 + 4 × 50 = 1494.9775, average rate 75.695063, billable share 0.746835; checks: odd
  rate 2, non-billable 2, non phase specific 1, not approved 2, empty notes 2, no category 4
  (13 incorrect); against December +9.75 h (+97.50 %), average rate −24.304937 (−24.30 %),
  money +494.9775 (+49.50 %): remarkable. Not counted: 5 h unsubmitted and a 0 h entry.
Beta site (client Beta Ltd; Olli), January 2025: 8 h at 100, clean.
Internal work (internal, no client), January 2025: 3 h at 80, nothing billable, 1 non-billable.
"""

from __future__ import annotations

from dataclasses import dataclass

from models import Invoice, Person, Project
from models.invoices.refresh import refresh_all_invoice_figures
from tests.support.contracts_site import add_to_group
from tests.support.invoices import project, row, store_entries
from tests.support.web_company import make_person


@dataclass
class InvoiceCompany:
    fiona: Person
    adam: Person
    hanna: Person
    paula: Person
    olli: Person
    alice: Person
    bob: Person
    acme: Project
    beta: Project
    internal: Project
    acme_december: Invoice
    acme_january: Invoice
    beta_january: Invoice
    internal_january: Invoice


def acme_january_rows(acme: Project) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Alice's and Bob's January entries on Acme portal."""
    alice = [
        row(acme, "2025-01-07", "7.5", "120", notes="Feature work"),  # clean
        row(acme, "2025-01-08", "3", "150", phase="Non-billable meetings", category="Meetings"),
        # Odd rate (50), "[none]"; the note would be a formula in a spreadsheet.
        row(acme, "2025-01-09", "4", "50", category="[none]", notes="=SUM(A1:A9)"),
        row(acme, "2025-01-10", "5", "100", status="Unsubmitted"),  # not counted
        row(acme, "2025-01-10", "0", "100"),  # not counted
    ]
    bob = [
        # On the project itself, no category, no notes, pending: 4 checks.
        row(
            acme,
            "2025-01-07",
            "2.25",
            "99.99",
            phase="[Non Phase Specific]",
            category="",
            notes="",
            status="Pending Approval",
        ),
        # Odd rate (170), "No category", blank notes.
        row(acme, "2025-01-08", "1", "170", category="No category", notes=""),
        # Non-billable ("non billable"), no category, pending.
        row(
            acme,
            "2025-01-09",
            "2",
            "0",
            phase="non billable travel",
            category="",
            notes="Travel",
            status="Pending Approval",
        ),
    ]
    return alice, bob


async def build_invoice_company() -> InvoiceCompany:
    fiona = await add_to_group(await make_person("Fiona", "Finance"), "finance")
    adam = await add_to_group(await make_person("Adam", "Admin"), "admin")
    hanna = await add_to_group(await make_person("Hanna", "Hr"), "hr")
    paula = await make_person("Paula", "Pm", slack_id="UPAULA")
    olli = await make_person("Olli", "Owner")
    alice = await make_person("Alice", "Aalto")
    bob = await make_person("Bob", "Berg")

    acme = await project(1, "Acme portal", "Acme Oy")
    beta = await project(2, "Beta site", "Beta Ltd")
    internal = await project(3, "Internal work", None, state="Internal")
    await acme.admins.add(paula)
    await beta.admins.add(olli)

    await store_entries(
        alice, [row(acme, "2024-12-02", "7.5", "100"), row(acme, "2024-12-03", "2.5", "100")]
    )
    alice_rows, bob_rows = acme_january_rows(acme)
    await store_entries(alice, alice_rows)
    await store_entries(bob, bob_rows)
    await store_entries(bob, [row(beta, "2025-01-14", "8", "100")])
    await store_entries(
        alice, [row(internal, "2025-01-14", "3", "80", phase="Administration", notes="Admin")]
    )
    await refresh_all_invoice_figures()

    async def invoice(p: Project, year: int, month: int) -> Invoice:
        return await Invoice.get(project=p, year=year, month=month)

    return InvoiceCompany(
        fiona=fiona,
        adam=adam,
        hanna=hanna,
        paula=paula,
        olli=olli,
        alice=alice,
        bob=bob,
        acme=acme,
        beta=beta,
        internal=internal,
        acme_december=await invoice(acme, 2024, 12),
        acme_january=await invoice(acme, 2025, 1),
        beta_january=await invoice(beta, 2025, 1),
        internal_january=await invoice(internal, 2025, 1),
    )
