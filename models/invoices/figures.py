"""An invoice's figures and checks (docs/domain-rules.md, "Invoices"): pure functions, plain data.

Nothing here reads the database, Slack or the clock; every input and output is a frozen
dataclass of numbers and strings, so the computation can run in a worker process
(``core.off_loop``) and tests can hand it invoices computed by hand.

How the pieces fit:

- the entry rules (:func:`counts_for_invoice`, :func:`is_non_billable_phase`,
  :func:`is_non_phase_specific`, :func:`is_approved`, :func:`notes_are_blank`,
  :func:`has_no_category`, :func:`is_odd_rate`) judge one entry;
- :class:`RateTally` is an invoice's counted entries at one bill rate, summed and counted by
  those rules. :func:`tally_entries` builds them from entries; the refresh has the database
  build the same tallies (``models/invoices/inputs.py``), asking these rules which phase,
  category and status values count as what;
- :func:`figures_from_tallies` turns one invoice's tallies into :class:`InvoiceFigures`;
- :func:`compare_months` sets an invoice against the same project's previous calendar month;
- :func:`total_money`, :func:`fixed_rows_money`, :func:`aws_billing_money` and
  :func:`project_totals` add fixed rows and AWS billing, each currency kept apart.

Exactness: hours and money are sums of exact decimals and stay exact. The two quotients,
average rate and billable share, are rounded half up to six decimals (``QUOTIENT_PLACES``),
and that rounded value *is* the figure: it is stored, shown and compared, so a month refreshed
alone and a month refreshed with its neighbours compare the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

# The values 10000ft data carries (models/hours.py keeps the same strings).
UNSUBMITTED = "Unsubmitted"
APPROVED = "Approved"
NON_PHASE_SPECIFIC = "[Non Phase Specific]"
NON_BILLABLE_PREFIXES = ("non-billable", "non billable")
NO_CATEGORY_VALUES = frozenset({"", "[none]", "no category"})
#: What a note may consist of and still be empty: spaces, tabs and line breaks. The database
#: side of the refresh trims exactly these characters (models/invoices/inputs.py).
#: Project state of an internal project in 10000ft: none of its entries is billable.
INTERNAL_PROJECT_STATE = "internal"

#: Part of every invoice's stored rules: raise it when an entry rule below counts differently,
#: so invoices computed under the old rules are recomputed (2: names are read as written).
RULES_VERSION = "r2"

ZERO = Decimal(0)
HUNDRED = Decimal(100)
QUOTIENT_PLACES = Decimal("0.000001")

# The "remarkable change" limits (docs/domain-rules.md).
REMARKABLE_HOURS = Decimal(10)
REMARKABLE_RATE = Decimal(5)
REMARKABLE_MONEY = Decimal(2000)
REMARKABLE_PERCENT = Decimal(25)


@dataclass(frozen=True, slots=True)
class InvoiceRules:
    """The settings the figures depend on: HOURS_CURRENCY, BILL_RATE_MIN, BILL_RATE_MAX."""

    currency: str = "EUR"
    bill_rate_min: Decimal = Decimal(50)
    bill_rate_max: Decimal = Decimal(170)

    @property
    def fingerprint(self) -> str:
        """Stored with the figures: when the settings or the entry rules (``RULES_VERSION``)
        change, every invoice is recomputed."""
        bounds = f"{plain(self.bill_rate_min)}|{plain(self.bill_rate_max)}"
        return f"{self.currency}|{bounds}|{RULES_VERSION}"


# ------------------------------------------------------------------------------ entry rules


def counts_for_invoice(status: str, hours: Decimal) -> bool:
    """An entry counts in its invoice's figures unless it is Unsubmitted or has no hours."""
    return status != UNSUBMITTED and hours > 0


def is_non_billable_phase(phase_name: str) -> bool:
    """The phase name starts with "non-billable" or "non billable", in any case. Read as
    written, as the older system did: a name that starts with spaces starts with them."""
    return phase_name.lower().startswith(NON_BILLABLE_PREFIXES)


def is_internal_project(project_state: str | None) -> bool:
    return (project_state or "").strip().lower() == INTERNAL_PROJECT_STATE


def is_billable(phase_name: str, *, internal_project: bool) -> bool:
    return not internal_project and not is_non_billable_phase(phase_name)


def is_non_phase_specific(phase_name: str) -> bool:
    """On "[Non Phase Specific]" (an entry on the project itself); a missing phase is too."""
    return not phase_name or phase_name == NON_PHASE_SPECIFIC


def is_approved(status: str) -> bool:
    return status == APPROVED


def notes_are_blank(notes: str | None) -> bool:
    """No notes at all: empty text. Notes of only spaces count as notes, as in the older
    system, which counted an entry here only when its notes were missing or ""."""
    return not notes


def has_no_category(category: str | None) -> bool:
    """The task is empty, "[none]" or "No category" (any case). Spaces are a category, as
    spaces are notes (:func:`notes_are_blank`): the older system compared the task as written."""
    return (category or "").lower() in NO_CATEGORY_VALUES


def is_odd_rate(bill_rate: Decimal, rules: InvoiceRules) -> bool:
    """At or below BILL_RATE_MIN, or at or above BILL_RATE_MAX: both bounds are flagged."""
    return bill_rate <= rules.bill_rate_min or bill_rate >= rules.bill_rate_max


# ------------------------------------------------------------------------------ tallies


@dataclass(frozen=True, slots=True)
class InvoiceEntry:
    """One hour entry of an invoice, as the figures see it."""

    hours: Decimal
    bill_rate: Decimal = ZERO
    phase_name: str = NON_PHASE_SPECIFIC
    category: str = ""
    notes: str = ""
    status: str = APPROVED


@dataclass(frozen=True, slots=True)
class RateTally:
    """An invoice's counted entries at one bill rate: how many, their hours, and how many of
    them each rule catches. ``non_billable_phase_*`` are the entries on non-billable phases
    (the project's being internal is applied later, by :func:`figures_from_tallies`)."""

    bill_rate: Decimal
    entries: int = 0
    hours: Decimal = ZERO
    non_billable_phase_entries: int = 0
    non_billable_phase_hours: Decimal = ZERO
    non_phase_specific: int = 0
    not_approved: int = 0
    empty_notes: int = 0
    no_category: int = 0


@dataclass(slots=True)
class _RateSums:
    entries: int = 0
    hours: Decimal = ZERO
    non_billable_phase_entries: int = 0
    non_billable_phase_hours: Decimal = ZERO
    non_phase_specific: int = 0
    not_approved: int = 0
    empty_notes: int = 0
    no_category: int = 0


def tally_entries(entries: Iterable[InvoiceEntry]) -> list[RateTally]:
    """The tallies of an invoice's entries, one per bill rate (lowest first); entries that do
    not count (Unsubmitted, hours ≤ 0) are left out."""
    sums: dict[Decimal, _RateSums] = {}
    for entry in entries:
        if not counts_for_invoice(entry.status, entry.hours):
            continue
        rate = sums.setdefault(entry.bill_rate, _RateSums())
        rate.entries += 1
        rate.hours += entry.hours
        if is_non_billable_phase(entry.phase_name):
            rate.non_billable_phase_entries += 1
            rate.non_billable_phase_hours += entry.hours
        rate.non_phase_specific += is_non_phase_specific(entry.phase_name)
        rate.not_approved += not is_approved(entry.status)
        rate.empty_notes += notes_are_blank(entry.notes)
        rate.no_category += has_no_category(entry.category)
    return [
        RateTally(
            bill_rate,
            rate.entries,
            rate.hours,
            rate.non_billable_phase_entries,
            rate.non_billable_phase_hours,
            rate.non_phase_specific,
            rate.not_approved,
            rate.empty_notes,
            rate.no_category,
        )
        for bill_rate, rate in sorted(sums.items(), key=lambda item: item[0])
    ]


# ------------------------------------------------------------------------------ figures


@dataclass(frozen=True, slots=True)
class InvoiceChecks:
    """The six checks, each a count of entries."""

    odd_rate: int = 0
    non_billable: int = 0
    non_phase_specific: int = 0
    not_approved: int = 0
    empty_notes: int = 0
    no_category: int = 0

    @property
    def incorrect_entries(self) -> int:
        """The sum of the six counts (an entry caught twice counts twice)."""
        return (
            self.odd_rate
            + self.non_billable
            + self.non_phase_specific
            + self.not_approved
            + self.empty_notes
            + self.no_category
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "odd_rate": self.odd_rate,
            "non_billable": self.non_billable,
            "non_phase_specific": self.non_phase_specific,
            "not_approved": self.not_approved,
            "empty_notes": self.empty_notes,
            "no_category": self.no_category,
        }


@dataclass(frozen=True, slots=True)
class InvoiceFigures:
    """What an invoice's entries add up to. ``money`` is the hour money, in HOURS_CURRENCY."""

    hours: Decimal = ZERO
    billable_hours: Decimal = ZERO
    money: Decimal = ZERO
    average_rate: Decimal = ZERO
    billable_share: Decimal = ZERO
    checks: InvoiceChecks = field(default_factory=InvoiceChecks)

    @property
    def incorrect_entries(self) -> int:
        return self.checks.incorrect_entries


def quotient(numerator: Decimal, denominator: Decimal) -> Decimal:
    """numerator / denominator rounded half up to six decimals; 0 when the denominator is 0."""
    if denominator == 0:
        return ZERO
    with localcontext() as context:
        context.prec = 40
        return (numerator / denominator).quantize(QUOTIENT_PLACES, rounding=ROUND_HALF_UP)


def figures_from_tallies(
    tallies: Iterable[RateTally], *, internal_project: bool, rules: InvoiceRules
) -> InvoiceFigures:
    """One invoice's figures from its tallies (docs/domain-rules.md, "Invoices").

    Billable: not on a non-billable phase and the project not internal. Hours: all counted
    entries; billable hours and money (Σ rate × hours): the billable ones; average rate = money
    / hours; billable share = billable hours / hours (both 0 without hours). Checks: odd rates
    among billable entries, non-billable entries, "[Non Phase Specific]", not Approved, empty
    notes, no category.
    """
    hours = billable_hours = money = ZERO
    odd_rate = non_billable = non_phase_specific = not_approved = empty_notes = no_category = 0
    for tally in tallies:
        if internal_project:
            billable_entries, billable = 0, ZERO
        else:
            billable_entries = tally.entries - tally.non_billable_phase_entries
            billable = tally.hours - tally.non_billable_phase_hours
        hours += tally.hours
        billable_hours += billable
        money += tally.bill_rate * billable
        if billable_entries and is_odd_rate(tally.bill_rate, rules):
            odd_rate += billable_entries
        non_billable += tally.entries - billable_entries
        non_phase_specific += tally.non_phase_specific
        not_approved += tally.not_approved
        empty_notes += tally.empty_notes
        no_category += tally.no_category
    return InvoiceFigures(
        hours=hours,
        billable_hours=billable_hours,
        money=money,
        average_rate=quotient(money, hours),
        billable_share=quotient(billable_hours, hours),
        checks=InvoiceChecks(
            odd_rate, non_billable, non_phase_specific, not_approved, empty_notes, no_category
        ),
    )


def figures_of_entries(
    entries: Iterable[InvoiceEntry], *, internal_project: bool, rules: InvoiceRules
) -> InvoiceFigures:
    return figures_from_tallies(
        tally_entries(entries), internal_project=internal_project, rules=rules
    )


# ------------------------------------------------------------------------------ previous month


def previous_month(year: int, month: int) -> tuple[int, int]:
    """The calendar month before: January's is the previous year's December."""
    return (year - 1, 12) if month == 1 else (year, month - 1)


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass(frozen=True, slots=True)
class ComparedFigures:
    """The three figures an invoice is compared by (money: the hour money)."""

    hours: Decimal
    average_rate: Decimal
    money: Decimal


@dataclass(frozen=True, slots=True)
class Change:
    """this − previous, and that as a percentage of previous (None when previous is 0)."""

    diff: Decimal
    percentage: Decimal | None


@dataclass(frozen=True, slots=True)
class MonthComparison:
    hours: Change
    average_rate: Change
    money: Change
    remarkable: bool


def change(this: Decimal, previous: Decimal) -> Change:
    diff = this - previous
    percentage = None if previous == 0 else quotient(diff * HUNDRED, previous)
    return Change(diff, percentage)


def _over_percent(diff: Decimal, previous: Decimal) -> bool:
    """previous is 0, or |diff / previous × 100| > 25: decided without rounding."""
    return previous == 0 or abs(diff) * HUNDRED > REMARKABLE_PERCENT * abs(previous)


def is_remarkable(this: ComparedFigures, previous: ComparedFigures) -> bool:
    """|Δ hours| > 10 and (previous hours 0 or |%| > 25), or |Δ average rate| > 5 with both
    rates above 0, or |Δ money| > 2000 and (previous money 0 or |%| > 25)."""
    hours = this.hours - previous.hours
    if abs(hours) > REMARKABLE_HOURS and _over_percent(hours, previous.hours):
        return True
    rate = this.average_rate - previous.average_rate
    if abs(rate) > REMARKABLE_RATE and this.average_rate > 0 and previous.average_rate > 0:
        return True
    money = this.money - previous.money
    return abs(money) > REMARKABLE_MONEY and _over_percent(money, previous.money)


def compare_months(
    this: ComparedFigures, previous: ComparedFigures | None
) -> MonthComparison | None:
    """The comparison with the previous calendar month's invoice; None when there is none
    (and then the invoice is not remarkable)."""
    if previous is None:
        return None
    return MonthComparison(
        hours=change(this.hours, previous.hours),
        average_rate=change(this.average_rate, previous.average_rate),
        money=change(this.money, previous.money),
        remarkable=is_remarkable(this, previous),
    )


# ------------------------------------------------------------------------------ money per currency


@dataclass(frozen=True, slots=True)
class FixedRow:
    currency: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class AwsAccountMonth:
    """One AWS account's month in one currency, as the import added its rows up: the legacy
    "AccountTotal" rows' sum (None when it has none) and the other rows' sum."""

    currency: str
    line_items: Decimal
    account_total: Decimal | None = None

    @property
    def billed(self) -> Decimal:
        """The AccountTotal when there is one (the legacy CSV, whose line items the total
        already holds), else the line items (CUR 2.0)."""
        return self.line_items if self.account_total is None else self.account_total


#: The legacy billing CSV's per-account month total (its line items are in it already).
AWS_ACCOUNT_TOTAL = "accounttotal"

#: Invoice states in which the project's fixed rows have been copied onto the invoice.
FIXED_ROWS_COPIED_STATES = frozenset({"Preview", "Sent"})


def add_money(*amounts: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Amounts per currency added up, each currency kept apart; currencies sorted."""
    total: dict[str, Decimal] = {}
    for amount in amounts:
        for currency, value in amount.items():
            total[currency] = total.get(currency, ZERO) + value
    return dict(sorted(total.items()))


def counted_fixed_rows(
    invoice_rows: Sequence[FixedRow], project_rows: Sequence[FixedRow], state: str
) -> list[FixedRow]:
    """The fixed rows an invoice bills: its own rows, and its project's rows until they are
    copied onto it (Preview and Sent); afterwards the copies are among its own rows."""
    if state in FIXED_ROWS_COPIED_STATES:
        return list(invoice_rows)
    return [*invoice_rows, *project_rows]


def fixed_rows_money(rows: Iterable[FixedRow]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for row in rows:
        total[row.currency] = total.get(row.currency, ZERO) + row.price
    return dict(sorted(total.items()))


def aws_billing_money(accounts: Iterable[AwsAccountMonth]) -> dict[str, Decimal]:
    """An invoice's AWS billing per currency: what each linked account's month bills."""
    total: dict[str, Decimal] = {}
    for account in accounts:
        total[account.currency] = total.get(account.currency, ZERO) + account.billed
    return dict(sorted(total.items()))


def total_money(
    hour_money: Decimal,
    rules: InvoiceRules,
    fixed_rows: Mapping[str, Decimal],
    aws_billing: Mapping[str, Decimal],
) -> dict[str, Decimal]:
    """An invoice's money per currency: the hour money (always present, in HOURS_CURRENCY)
    plus its fixed rows and AWS billing, each currency kept apart."""
    return add_money({rules.currency: hour_money}, fixed_rows, aws_billing)


# ------------------------------------------------------------------------------ a batch


@dataclass(frozen=True, slots=True)
class InvoiceInputs:
    """Everything one invoice's figures are computed from (picklable: a batch may be computed
    in a worker process). ``fixed_rows``: the rows it bills (:func:`counted_fixed_rows`)."""

    key: tuple[int, int, int]  # project id, year, month
    internal_project: bool
    tallies: tuple[RateTally, ...] = ()
    fixed_rows: tuple[FixedRow, ...] = ()
    aws_accounts: tuple[AwsAccountMonth, ...] = ()


@dataclass(frozen=True, slots=True)
class ComputedInvoice:
    key: tuple[int, int, int]
    figures: InvoiceFigures
    fixed_rows: dict[str, Decimal]
    aws_billing: dict[str, Decimal]


def compute_invoices(inputs: Sequence[InvoiceInputs], rules: InvoiceRules) -> list[ComputedInvoice]:
    """The figures of a batch of invoices (module-level and pure: ``WorkerProcess.run`` can
    run it)."""
    return [
        ComputedInvoice(
            key=item.key,
            figures=figures_from_tallies(
                item.tallies, internal_project=item.internal_project, rules=rules
            ),
            fixed_rows=fixed_rows_money(item.fixed_rows),
            aws_billing=aws_billing_money(item.aws_accounts),
        )
        for item in inputs
    ]


# ------------------------------------------------------------------------------ project totals


@dataclass(frozen=True, slots=True)
class InvoiceMoney:
    """What a project's totals add up of one invoice."""

    hours: Decimal
    hour_money: Decimal
    fixed_rows: Mapping[str, Decimal]
    aws_billing: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class ProjectTotals:
    """Σ over a project's invoices. ``money`` per currency holds everything (hour money, fixed
    rows, AWS); ``hour_money`` (in HOURS_CURRENCY), ``fixed_rows`` and ``aws_billing`` are the
    parts, each totalled apart."""

    invoices: int
    hours: Decimal
    hour_money: Decimal
    fixed_rows: dict[str, Decimal]
    aws_billing: dict[str, Decimal]
    money: dict[str, Decimal]


def project_totals(invoices: Iterable[InvoiceMoney], rules: InvoiceRules) -> ProjectTotals:
    count = 0
    hours = hour_money = ZERO
    fixed: list[Mapping[str, Decimal]] = []
    aws: list[Mapping[str, Decimal]] = []
    for invoice in invoices:
        count += 1
        hours += invoice.hours
        hour_money += invoice.hour_money
        fixed.append(invoice.fixed_rows)
        aws.append(invoice.aws_billing)
    fixed_total = add_money(*fixed)
    aws_total = add_money(*aws)
    return ProjectTotals(
        invoices=count,
        hours=hours,
        hour_money=hour_money,
        fixed_rows=fixed_total,
        aws_billing=aws_total,
        money=total_money(hour_money, rules, fixed_total, aws_total),
    )


# ------------------------------------------------------------------------------ decimals as text


def plain(value: Decimal) -> str:
    """A decimal as plain text, exact, without exponent or trailing zeros: ``7.5``, ``0``,
    ``1200``. (How the figures are stored in SQLite's text columns, too.)"""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text
