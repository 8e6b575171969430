"""A validated month stored: its rows replace the month's rows in one transaction.

Only the difference is written (rows gone are deleted, new rows inserted), so importing the
same files again changes nothing. Accounts are created as they appear, take the file's name,
and one named like exactly one active person ("First Last") is linked to that person. The
invoices of the projects linked to the accounts (before and after) are created for the month
if missing and their figures refreshed in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from models.aws import AwsAccount, AwsBillingRow
from models.aws_billing.month import MonthBilling
from models.aws_billing.records import BillingRecord
from models.invoices.refresh import ensure_invoices, refresh_invoice_months
from models.people import Person, name_key

INSERT_BATCH = 1000

RowKey = tuple[int, str, str, str, str, str, date, date, Decimal, Decimal, str]
_KEY_FIELDS = (
    "account_id",
    "record_type",
    "product_code",
    "product_name",
    "usage_type",
    "description",
    "period_start",
    "period_end",
    "quantity",
    "amount",
    "currency",
)


@dataclass(frozen=True)
class MonthStored:
    added: int
    deleted: int
    unchanged: int
    accounts_added: int
    invoices_refreshed: int


def person_links(accounts: dict[str, str], people: list[tuple[int, str, str]]) -> dict[str, int]:
    """Account id → the person it is named after: ``accounts`` are (id → name), ``people``
    (id, first, last) of active people; a name shared by two people links to nobody."""
    by_name: dict[str, list[int]] = {}
    for person_id, first, last in people:
        by_name.setdefault(name_key(first, last), []).append(person_id)
    links = {}
    for account_id, name in accounts.items():
        found = by_name.get(" ".join(name.split()).lower(), [])
        if len(found) == 1:
            links[account_id] = found[0]
    return links


def _row_key(account_pk: int, record: BillingRecord) -> RowKey:
    return (
        account_pk,
        record.record_type,
        record.product_code,
        record.product_name,
        record.usage_type,
        record.description,
        record.period_start,
        record.period_end,
        record.quantity,
        record.cost,
        record.currency,
    )


async def _accounts(billing: MonthBilling) -> tuple[dict[str, int], int]:
    """Account id → primary key, creating and naming accounts; returns also how many new."""
    wanted = {record.account_id for record in billing.records}
    stored = {a.account_id: a for a in await AwsAccount.filter(account_id__in=sorted(wanted))}
    missing = sorted(wanted - stored.keys())
    if missing:
        await AwsAccount.bulk_create(
            [AwsAccount(account_id=i, name=billing.account_names.get(i, "")) for i in missing]
        )
        for account in await AwsAccount.filter(account_id__in=missing):
            stored[account.account_id] = account
    names = {i: billing.account_names.get(i, a.name) for i, a in stored.items()}
    people = await Person.filter(archived=False).values_list("id", "first_name", "last_name")
    links = person_links(names, [(int(p), str(f), str(last)) for p, f, last in people])
    for account_id, account in stored.items():
        current: int | None = account.person_id  # type: ignore[attr-defined]
        person_id = current or links.get(account_id)
        if names[account_id] != account.name or person_id != current:
            await AwsAccount.filter(id=account.id).update(
                name=names[account_id], person_id=person_id
            )
    return {i: a.id for i, a in stored.items()}, len(missing)


async def store_month(billing: MonthBilling) -> MonthStored:
    """Replaces the month's stored rows with ``billing``'s, writing only the difference."""
    year, month = billing.year, billing.month
    async with in_transaction() as conn:
        pks, accounts_added = await _accounts(billing)
        new_rows = {_row_key(pks[r.account_id], r): r for r in billing.records}
        stored = await AwsBillingRow.filter(year=year, month=month).values_list("id", *_KEY_FIELDS)
        old: dict[RowKey, list[int]] = {}
        for row_id, *key in stored:
            old.setdefault(tuple(key), []).append(int(row_id))  # type: ignore[arg-type]
        kept = [key for key in new_rows if key in old]
        gone = [
            row_id
            for key, ids in old.items()
            for row_id in (ids[1:] if key in new_rows else ids)  # a duplicate row goes too
        ]
        fresh = [key for key in new_rows if key not in old]
        if gone:
            for start in range(0, len(gone), 500):
                await AwsBillingRow.filter(id__in=gone[start : start + 500]).delete()
        for start in range(0, len(fresh), INSERT_BATCH):  # a batch of ORM objects at a time
            await AwsBillingRow.bulk_create(
                [_row(key, year, month) for key in fresh[start : start + INSERT_BATCH]]
            )
        refreshed = 0
        if gone or fresh:
            accounts = {key[0] for key in old} | {key[0] for key in new_rows}
            refreshed = await _refresh_invoices(sorted(accounts), year, month, conn)
    return MonthStored(len(fresh), len(gone), len(kept), accounts_added, refreshed)


async def _refresh_invoices(account_pks: list[int], year: int, month: int, conn: object) -> int:
    """Creates and refreshes the month's invoices of the projects linked to these accounts."""
    linked: list[Any] = await AwsAccount.filter(id__in=account_pks).values_list(
        "project_id", flat=True
    )
    keys = {(int(p), year, month) for p in linked if p is not None}
    if not keys:
        return 0
    await ensure_invoices(keys)
    return len(await refresh_invoice_months(keys, conn=conn))  # type: ignore[arg-type]


def _row(key: RowKey, year: int, month: int) -> AwsBillingRow:
    values = dict(zip(_KEY_FIELDS, key, strict=True))
    return AwsBillingRow(year=year, month=month, **values)
