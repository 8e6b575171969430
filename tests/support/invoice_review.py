"""A project whose March 2025 invoice waits for review, and the people around it.

Apollo (client Acme) is administered by Ada (U0ADA) and Bob (U0BOB); Fay (U0FAY) is in the
finance group; Eve (U0EVE) and Nils (no Slack account) logged the entries that trip checks.
The invoice's cached figures are set by hand to what the entries give (the figures refresh
is another module's job), hand-counted:

=========  ======  =====================  ====  ====  ==================  ====================
who        day     phase                  h     rate  status              trips
=========  ======  =====================  ====  ====  ==================  ====================
Eve        03-03   Non-billable meetings  7.5   0     Approved            non_billable
Eve        03-04   Build                  4     100   Approved            empty_notes
Nils       03-05   [Non Phase Specific]   2     100   Pending Approval    non_phase_specific,
                                                                          not_approved
Ada        03-06   Build                  8     100   Approved            -
=========  ======  =====================  ====  ====  ==================  ====================

hours 21.5, billable 14 (4 + 2 + 8), money 1400.00 EUR.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from models import (
    Client,
    Group,
    GroupMembership,
    HourEntry,
    Invoice,
    Person,
    Project,
    ProjectFixedRow,
)
from models.invoices.review import InvoiceSummary, load_invoice_summary

_ids = itertools.count(5000)
YEAR, MONTH = 2025, 3
FLAGGED = ("non_phase_specific", "non_billable", "not_approved", "empty_notes")


@dataclass
class ReviewCompany:
    project: Project
    invoice: Invoice
    ada: Person
    bob: Person
    fay: Person
    eve: Person
    nils: Person

    async def summary(self) -> InvoiceSummary:
        summary = await load_invoice_summary(self.invoice.id, "EUR")
        assert summary is not None
        return summary

    async def current(self) -> Invoice:
        return await Invoice.get(id=self.invoice.id)


async def person(first: str, last: str, slack_id: str | None, **extra: Any) -> Person:
    n = next(_ids)
    return await Person.create(
        tenkfeet_id=n,
        guid=f"guid-{first.lower()}-{n}",
        first_name=first,
        last_name=last,
        email=f"{first.lower()}.{last.lower()}@example.com",
        slack_id=slack_id,
        **extra,
    )


async def join(group_name: str, member: Person) -> None:
    group, _ = await Group.get_or_create(name=group_name)
    await GroupMembership.create(group=group, person=member)


async def entry(
    who: Person,
    project: Project,
    day: int,
    hours: str,
    *,
    phase: str = "Build",
    rate: str = "100",
    status: str = "Approved",
    notes: str = "did things",
    category: str = "Development",
) -> HourEntry:
    return await HourEntry.create(
        tenkfeet_id=next(_ids),
        date=date(YEAR, MONTH, day),
        person=who,
        project=project,
        client_name="Acme",
        phase_name=phase,
        category=category,
        notes=notes,
        hours=Decimal(hours),
        bill_rate=Decimal(rate),
        money=Decimal(rate) * Decimal(hours),
        status=status,
    )


async def review_company(
    *, project_name: str = "Apollo", client_name: str = "Acme"
) -> ReviewCompany:
    client = await Client.create(name=client_name)
    project = await Project.create(
        tenkfeet_id=next(_ids),
        guid=f"p-{next(_ids)}",
        name=project_name,
        client=client,
        tags=["Ada Admin", "Bob Boss"],
    )
    ada = await person("Ada", "Admin", "U0ADA")
    bob = await person("Bob", "Boss", "U0BOB")
    fay = await person("Fay", "Finance", "U0FAY")
    eve = await person("Eve", "Employee", "U0EVE")
    nils = await person("Nils", "Noslack", None)
    await project.admins.add(ada, bob)
    await join("finance", fay)
    await entry(eve, project, 3, "7.5", phase="Non-billable meetings", rate="0")
    await entry(eve, project, 4, "4", notes="")
    await entry(nils, project, 5, "2", phase="[Non Phase Specific]", status="Pending Approval")
    await entry(ada, project, 6, "8")
    await ProjectFixedRow.create(
        project=project, description="Hosting", price=Decimal("250"), currency="EUR"
    )
    invoice = await Invoice.create(
        project=project,
        year=YEAR,
        month=MONTH,
        hours=Decimal("21.5"),
        billable_hours=Decimal("14"),
        money=Decimal("1400"),
        non_billable_count=1,
        empty_notes_count=1,
        non_phase_specific_count=1,
        not_approved_count=1,
    )
    return ReviewCompany(project, invoice, ada, bob, fay, eve, nils)


# --- what a person does in the modal (state.values) -------------------------------------------


def ticks(*values: str) -> dict[str, Any]:
    return {
        "type": "checkboxes",
        "selected_options": [
            {"text": {"type": "plain_text", "text": v}, "value": v} for v in values
        ],
    }


def typed(text: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": text}
