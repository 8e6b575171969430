"""A validated month stored: its rows replace the month's rows in one transaction.

Beside the rows, the month's totals per account and currency and per product are stored
(``models/aws_billing/totals.py``), added up from the same records in the same transaction.
A month whose checksum (``MonthBilling.checksum``) equals the one stored at its last import is
left as it is: importing the same files again changes nothing. Otherwise the month's rows are
deleted and the new ones inserted a batch at a time as they are read from the spill file, so
memory stays bounded whatever the month's size. Accounts are created as they appear, take the
file's name, and one named like exactly one active person ("First Last") is linked to that
person (also when the rows are unchanged: the person may have been synced since). The
invoices of the projects linked to the month's accounts (before and after) are created for
the month if missing and their figures refreshed in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any

from tortoise.transactions import in_transaction

from models.aws import AwsAccount, AwsBillingMonth, AwsBillingRow, AwsMonthTotal, AwsProductCost
from models.aws_billing.month import MonthBilling
from models.aws_billing.records import STORED_KEY, BillingRecord, stored_key
from models.aws_billing.totals import MonthSums
from models.invoices.refresh import ensure_invoices, refresh_invoice_months
from models.people import Person, name_key

INSERT_BATCH = 1000


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


async def _accounts(billing: MonthBilling) -> tuple[dict[str, int], int]:
    """Account id → primary key, creating and naming accounts; returns also how many new."""
    wanted = billing.account_names
    stored = {a.account_id: a for a in await AwsAccount.filter(account_id__in=sorted(wanted))}
    missing = sorted(wanted.keys() - stored.keys())
    if missing:
        await AwsAccount.bulk_create([AwsAccount(account_id=i, name=wanted[i]) for i in missing])
        for account in await AwsAccount.filter(account_id__in=missing):
            stored[account.account_id] = account
    names = {i: wanted[i] or a.name for i, a in stored.items()}
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


async def store_month(billing: MonthBilling, *, force: bool = False) -> MonthStored:
    """Replaces the month's stored rows with ``billing``'s unless they hash the same (and
    ``force`` is not given: then they are replaced whatever the checksum)."""
    year, month = billing.year, billing.month
    async with in_transaction() as conn:
        pks, accounts_added = await _accounts(billing)
        last = await AwsBillingMonth.select_for_update().get_or_none(year=year, month=month)
        if not force and last is not None and last.checksum == billing.checksum:
            return MonthStored(0, 0, last.row_count, accounts_added, 0)
        month_rows = AwsBillingRow.filter(year=year, month=month)
        before: list[Any] = await month_rows.distinct().values_list("account_id", flat=True)
        deleted = await month_rows.delete()
        await AwsMonthTotal.filter(year=year, month=month).delete()
        await AwsProductCost.filter(year=year, month=month).delete()
        added = 0
        sums = MonthSums()
        records = billing.records()
        while batch := list(islice(records, INSERT_BATCH)):
            await AwsBillingRow.bulk_create([_row(pks, r, year, month) for r in batch])
            for record in batch:
                sums.add(record)
            added += len(batch)
        await _store_sums(pks, sums, year, month)
        await AwsBillingMonth.update_or_create(
            {"checksum": billing.checksum, "row_count": added}, year=year, month=month
        )
        accounts = {int(pk) for pk in before} | set(pks.values())
        refreshed = await _refresh_invoices(sorted(accounts), year, month, conn)
    return MonthStored(added, deleted, 0, accounts_added, refreshed)


async def _store_sums(pks: dict[str, int], sums: MonthSums, year: int, month: int) -> None:
    """The month's totals per account and currency, and per product, beside its rows."""
    await AwsMonthTotal.bulk_create(
        [
            AwsMonthTotal(
                account_id=pks[account],
                year=year,
                month=month,
                currency=currency,
                line_items=total.line_items,
                account_total=total.account_total,
                rows=total.rows,
            )
            for (account, currency), total in sums.totals.items()
        ],
        batch_size=INSERT_BATCH,
    )
    await AwsProductCost.bulk_create(
        [
            AwsProductCost(
                account_id=pks[account],
                year=year,
                month=month,
                product=product,
                currency=currency,
                cost=cost.cost,
                rows=cost.rows,
            )
            for (account, product, currency), cost in sums.products.items()
        ],
        batch_size=INSERT_BATCH,
    )


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


def _row(pks: dict[str, int], record: BillingRecord, year: int, month: int) -> AwsBillingRow:
    key = dict(zip(STORED_KEY, stored_key(record), strict=True))
    key["account_id"] = pks[record.account_id]
    return AwsBillingRow(
        **key, year=year, month=month, quantity=record.quantity, amount=record.cost
    )
