"""What the /aws page, a person's page and `financebot aws list` show: each account with its
person, its project and monthly totals per currency; one account's month grouped by product.

A month's total of an account is its legacy ``AccountTotal`` rows when it has any, else the
sum of its rows (CUR 2.0 line items): the rule invoices use (``aws_billing_money``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from models.aws import AwsAccount, AwsBillingRow
from models.invoices.figures import AWS_ACCOUNT_TOTAL, AwsBillingLine, aws_billing_money
from models.people import full_name


@dataclass(frozen=True, slots=True)
class LinkedProject:
    guid: str
    name: str


@dataclass(frozen=True, slots=True)
class MonthTotal:
    year: int
    month: int
    money: dict[str, Decimal]

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"


@dataclass(frozen=True, slots=True)
class AccountOverview:
    account_id: str
    name: str
    person_name: str
    person_guid: str
    project: LinkedProject | None
    months: tuple[MonthTotal, ...]
    """Newest first."""


@dataclass(frozen=True, slots=True)
class ProductCost:
    product: str
    currency: str
    cost: Decimal
    rows: int


def month_totals(rows: Iterable[tuple[int, int, str, str, Decimal]]) -> list[MonthTotal]:
    """(year, month, record type, currency, amount) rows of one account as month totals,
    newest first."""
    by_month: dict[tuple[int, int], list[AwsBillingLine]] = {}
    for year, month, record_type, currency, amount in rows:
        by_month.setdefault((year, month), []).append(
            AwsBillingLine(0, record_type, currency, amount)
        )
    return [
        MonthTotal(year, month, aws_billing_money(lines))
        for (year, month), lines in sorted(by_month.items(), reverse=True)
    ]


async def account_overviews(
    account_id: str | None = None, *, person_id: int | None = None
) -> list[AccountOverview]:
    """Every account (or the one, or a person's), by account id; two queries whatever their
    number."""
    accounts = AwsAccount.all().order_by("account_id")
    if account_id is not None:
        accounts = accounts.filter(account_id=account_id)
    if person_id is not None:
        accounts = accounts.filter(person_id=person_id)
    stored = await accounts.values(
        "id",
        "account_id",
        "name",
        "person__guid",
        "person__first_name",
        "person__last_name",
        "person__display_name",
        "project__guid",
        "project__name",
    )
    ids = [row["id"] for row in stored]
    rows: dict[int, list[tuple[int, int, str, str, Decimal]]] = {}
    for pk, year, month, record_type, currency, amount in await AwsBillingRow.filter(
        account_id__in=ids
    ).values_list("account_id", "year", "month", "record_type", "currency", "amount"):
        rows.setdefault(int(pk), []).append(
            (int(year), int(month), str(record_type), str(currency), Decimal(amount))
        )
    return [
        AccountOverview(
            account_id=row["account_id"],
            name=row["name"],
            person_name=full_name(
                row["person__first_name"] or "",
                row["person__last_name"] or "",
                row["person__display_name"] or "",
            )
            if row["person__guid"]
            else "",
            person_guid=row["person__guid"] or "",
            project=LinkedProject(row["project__guid"], row["project__name"])
            if row["project__guid"]
            else None,
            months=tuple(month_totals(rows.get(row["id"], []))),
        )
        for row in stored
    ]


def costs_by_product(
    rows: Iterable[tuple[str, str, str, str, Decimal]],
) -> list[ProductCost]:
    """(record type, product name, product code, currency, amount) rows of one account's
    month grouped by product (the name, else the code), largest cost first; the legacy
    ``AccountTotal`` rows are the total, not a product, and are left out."""
    grouped: dict[tuple[str, str], list[Decimal]] = {}
    for record_type, product_name, product_code, currency, amount in rows:
        if record_type.strip().lower() == AWS_ACCOUNT_TOTAL:
            continue
        product = product_name or product_code or "(no product)"
        grouped.setdefault((product, currency), []).append(amount)
    costs = [
        ProductCost(product, currency, sum(amounts, Decimal(0)), len(amounts))
        for (product, currency), amounts in grouped.items()
    ]
    return sorted(costs, key=lambda c: (c.currency, -c.cost, c.product.casefold()))


async def account_month_costs(account_id: str, year: int, month: int) -> list[ProductCost]:
    rows = await AwsBillingRow.filter(
        account__account_id=account_id, year=year, month=month
    ).values_list("record_type", "product_name", "product_code", "currency", "amount")
    return costs_by_product(
        (str(t), str(n), str(c), str(cur), Decimal(a)) for t, n, c, cur, a in rows
    )
