"""What the /aws page, a person's page and `financebot aws list` show: each account with its
person, its project and monthly totals per currency; one account's month grouped by product.

A month's total of an account is its legacy ``AccountTotal`` rows when it has any, else the
sum of its rows (CUR 2.0 line items): the rule invoices use (``aws_billing_money``). Both are
read from the totals the import stored (``AwsMonthTotal``, ``AwsProductCost``), never from the
billing rows: a few rows per account and month, whatever the files held.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from models.aws import AwsAccount, AwsMonthTotal, AwsProductCost
from models.invoices.figures import AwsAccountMonth, aws_billing_money
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


def month_totals(rows: Iterable[tuple[int, int, AwsAccountMonth]]) -> list[MonthTotal]:
    """(year, month, currency total) of one account as month totals, newest first."""
    by_month: dict[tuple[int, int], list[AwsAccountMonth]] = {}
    for year, month, total in rows:
        by_month.setdefault((year, month), []).append(total)
    return [
        MonthTotal(year, month, aws_billing_money(totals))
        for (year, month), totals in sorted(by_month.items(), reverse=True)
    ]


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


async def account_overviews(
    account_id: str | None = None,
    *,
    person_id: int | None = None,
    month: tuple[int, int] | None = None,
) -> list[AccountOverview]:
    """Every account (or the one, or a person's), by account id, with the totals of every
    month (or of ``month`` only); two queries whatever their number."""
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
    totals = AwsMonthTotal.filter(account_id__in=ids)
    if month is not None:
        totals = totals.filter(year=month[0], month=month[1])
    rows: dict[int, list[tuple[int, int, AwsAccountMonth]]] = {}
    for pk, year, month_number, currency, line_items, account_total in await totals.values_list(
        "account_id", "year", "month", "currency", "line_items", "account_total"
    ):
        total = None if account_total is None else _decimal(account_total)
        rows.setdefault(int(pk), []).append(
            (
                int(year),
                int(month_number),
                AwsAccountMonth(str(currency), _decimal(line_items), total),
            )
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


async def account_month_costs(account_id: str, year: int, month: int) -> list[ProductCost]:
    """The account's month per product and currency, largest cost first (the AccountTotal
    rows are the total, not a product, and are left out)."""
    rows = await AwsProductCost.filter(
        account__account_id=account_id, year=year, month=month
    ).values_list("product", "currency", "cost", "rows")
    costs = [ProductCost(str(p), str(c), _decimal(cost), int(n)) for p, c, cost, n in rows]
    return sorted(costs, key=lambda c: (c.currency, -c.cost, c.product.casefold()))
