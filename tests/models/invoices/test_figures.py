"""An invoice's figures and checks (docs/domain-rules.md, "Invoices"), computed by hand."""

from __future__ import annotations

import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.invoices.figures import (
    AwsAccountMonth,
    ComparedFigures,
    FixedRow,
    InvoiceChecks,
    InvoiceEntry,
    InvoiceFigures,
    InvoiceInputs,
    InvoiceMoney,
    InvoiceRules,
    RateTally,
    aws_billing_money,
    compare_months,
    compute_invoices,
    counted_fixed_rows,
    figures_from_tallies,
    figures_of_entries,
    has_no_category,
    is_internal_project,
    is_non_billable_phase,
    is_non_phase_specific,
    next_month,
    notes_are_blank,
    plain,
    previous_month,
    project_totals,
    tally_entries,
    total_money,
)

D = Decimal
RULES = InvoiceRules()  # EUR, 50, 170


def entry(
    hours: str,
    rate: str = "100",
    phase: str = "Development",
    category: str = "Development",
    notes: str = "Work",
    status: str = "Approved",
) -> InvoiceEntry:
    return InvoiceEntry(D(hours), D(rate), phase, category, notes, status)


def figures(*entries: InvoiceEntry, internal: bool = False, rules: InvoiceRules = RULES):
    return figures_of_entries(entries, internal_project=internal, rules=rules)


def test_an_invoice_with_one_entry_behind_each_check() -> None:
    result = figures(
        entry("7.5", "100"),  # billable, nothing wrong
        # billable; on the project itself, no category, no notes, pending: four checks
        entry("2.25", "99.99", "[Non Phase Specific]", "[none]", "", "Pending Approval"),
        entry("3", "150", "Non-billable meetings", "Meetings", "Weekly"),  # not billable
        entry("1", "170", "Development"),  # billable at an odd rate
        entry("4", "100", status="Unsubmitted"),  # left out
        entry("0", "100"),  # left out
    )
    # hours 7.5 + 2.25 + 3 + 1; billable 7.5 + 2.25 + 1
    # money 7.5 × 100 + 2.25 × 99.99 + 1 × 170 = 750 + 224.9775 + 170
    assert result == InvoiceFigures(
        hours=D("13.75"),
        billable_hours=D("10.75"),
        money=D("1144.9775"),
        average_rate=D("83.271091"),  # 1144.9775 / 13.75 = 83.27109090…
        billable_share=D("0.781818"),  # 10.75 / 13.75 = 0.78181818…
        checks=InvoiceChecks(
            odd_rate=1,
            non_billable=1,
            non_phase_specific=1,
            not_approved=1,
            empty_notes=1,
            no_category=1,
        ),
    )
    assert result.incorrect_entries == 6


def test_an_entry_caught_by_several_checks_counts_once_in_each() -> None:
    result = figures(entry("1", "20", "[Non Phase Specific]", "", "", "Pending Approval"))
    assert result.checks == InvoiceChecks(1, 0, 1, 1, 1, 1)
    assert result.incorrect_entries == 5


@pytest.mark.parametrize(
    ("rate", "odd"),
    [
        ("0", True),
        ("49.99", True),
        ("50", True),  # the bound itself is flagged
        ("50.00", True),
        ("50.01", False),
        ("120", False),
        ("169.99", False),
        ("170", True),  # the bound itself is flagged
        ("170.00", True),
        ("250", True),
    ],
)
def test_odd_rates_are_at_or_outside_the_bounds(rate: str, odd: bool) -> None:
    assert figures(entry("1", rate)).checks.odd_rate == int(odd)


def test_the_bounds_are_settings() -> None:
    rules = InvoiceRules("EUR", D("60"), D("150"))
    result = figures(
        entry("1", "55"), entry("1", "60"), entry("1", "61"), entry("1", "150"), rules=rules
    )
    assert result.checks.odd_rate == 3  # 55, 60, 150
    assert rules.fingerprint == "EUR|60|150|r2"
    assert InvoiceRules("USD", D("50.5"), D("170.00")).fingerprint == "USD|50.5|170|r2"


def test_only_billable_entries_have_odd_rates() -> None:
    result = figures(entry("2", "0", "Non-billable meetings"), entry("1", "0"))
    assert result.checks.odd_rate == 1
    assert result.checks.non_billable == 1


def test_an_internal_project_bills_nothing() -> None:
    result = figures(
        entry("7.5", "100"),
        entry("2", "0", "Non-billable admin"),
        entry("1", "300"),
        internal=True,
    )
    assert result.hours == D("10.5")
    assert (result.billable_hours, result.money, result.average_rate) == (0, 0, 0)
    assert result.billable_share == 0
    assert result.checks.non_billable == 3
    assert result.checks.odd_rate == 0  # no billable entry, so no odd rate


@pytest.mark.parametrize(
    ("state", "internal"),
    [
        ("Internal", True),
        ("internal", True),
        (" INTERNAL ", True),
        ("Confirmed", False),
        ("", False),
    ],
)
def test_internal_projects_by_their_10000ft_state(state: str, internal: bool) -> None:
    assert is_internal_project(state) is internal
    assert is_internal_project(None) is False


@pytest.mark.parametrize(
    ("phase", "non_billable"),
    [
        ("Non-billable meetings", True),
        ("non-billable", True),
        ("NON-BILLABLE work", True),
        ("Non billable travel", True),
        ("non billable", True),
        ("  Non-Billable (indented)", False),  # starts with spaces, not with the words
        ("Nonbillable", False),
        ("Non-billing", False),
        ("Meetings (non-billable)", False),
        ("Development", False),
        ("[Non Phase Specific]", False),
    ],
)
def test_non_billable_phases_start_with_the_words(phase: str, non_billable: bool) -> None:
    assert is_non_billable_phase(phase) is non_billable
    result = figures(entry("2", "100", phase))
    assert result.checks.non_billable == int(non_billable)
    assert result.billable_hours == (0 if non_billable else 2)
    assert result.money == (0 if non_billable else 200)


@pytest.mark.parametrize(
    ("phase", "non_phase_specific"),
    [
        ("[Non Phase Specific]", True),
        ("", True),  # no phase at all
        ("[non phase specific]", False),  # a phase someone named so, not the upstream marker
        (" [Non Phase Specific] ", False),
        ("   ", False),  # a phase named with spaces is a phase
        ("Non Phase Specific", False),
        ("Development", False),
    ],
)
def test_non_phase_specific_entries(phase: str, non_phase_specific: bool) -> None:
    assert is_non_phase_specific(phase) is non_phase_specific
    result = figures(entry("1", "100", phase))
    assert result.checks.non_phase_specific == int(non_phase_specific)
    assert result.billable_hours == 1  # billable all the same


@pytest.mark.parametrize(
    ("notes", "blank"),
    [
        ("", True),
        (None, True),
        (" ", False),
        ("\t\n \r\n", False),
        ("x", False),
        (" . ", False),
        ("Code review", False),
    ],
)
def test_empty_notes(notes: str | None, blank: bool) -> None:
    assert notes_are_blank(notes) is blank
    assert figures(entry("1", notes=notes or "")).checks.empty_notes == int(blank)


@pytest.mark.parametrize(
    ("category", "missing"),
    [
        ("", True),
        ("   ", False),  # spaces are a category, as spaces are notes (empty means empty)
        ("[none]", True),
        ("[NONE]", True),
        ("No category", True),
        ("no Category", True),
        ("NO CATEGORY", True),
        (" No category ", False),
        (" [none]", False),
        ("None", False),
        ("No categories", False),
        ("Development", False),
    ],
)
def test_each_spelling_of_no_category(category: str, missing: bool) -> None:
    assert has_no_category(category) is missing
    assert figures(entry("1", category=category)).checks.no_category == int(missing)
    assert has_no_category(None) is True


def test_unsubmitted_and_zero_hour_entries_are_left_out_of_everything() -> None:
    counted = entry("1", "100")
    left_out = [
        entry("5", "20", "[Non Phase Specific]", "", "", "Unsubmitted"),
        entry("0", "20", "[Non Phase Specific]", "", "", "Pending Approval"),
        entry("-1", "20", "[Non Phase Specific]", "", "", "Approved"),
    ]
    assert figures(counted, *left_out) == figures(counted)
    assert figures(*left_out) == InvoiceFigures()


def test_pending_and_approved_both_count_but_pending_is_not_approved() -> None:
    result = figures(entry("1"), entry("2", status="Pending Approval"))
    assert result.hours == 3
    assert result.checks.not_approved == 1


def test_no_hours_means_zero_rate_and_share() -> None:
    assert figures() == InvoiceFigures(D(0), D(0), D(0), D(0), D(0), InvoiceChecks())


def test_several_rates_add_up_exactly() -> None:
    result = figures(
        entry("0.1", "33.33"), entry("0.2", "33.33"), entry("0.3333", "120.01"), entry("1", "0.01")
    )
    # 0.3 × 33.33 + 0.3333 × 120.01 + 1 × 0.01 = 9.999 + 39.999333 + 0.01
    assert result.money == D("50.008333")
    assert result.hours == D("1.6333")
    assert result.average_rate == D("30.617972")  # 50.008333 / 1.6333 = 30.6179716…
    assert result.checks.odd_rate == 3  # 33.33 (twice) and 0.01


def test_tallies_group_entries_by_rate() -> None:
    tallies = tally_entries(
        [
            entry("1", "100", "Non-billable x", "[none]", "", "Pending Approval"),
            entry("2", "100"),
            entry("3", "80", "[Non Phase Specific]"),
        ]
    )
    assert tallies == [
        RateTally(D("80"), 1, D("3"), 0, D(0), 1, 0, 0, 0),
        RateTally(D("100"), 2, D("3"), 1, D("1"), 0, 1, 1, 1),
    ]


# ------------------------------------------------------------------------------ previous month


def compared(hours: str, rate: str = "0", money: str = "0") -> ComparedFigures:
    return ComparedFigures(D(hours), D(rate), D(money))


def test_without_a_previous_invoice_there_is_no_comparison() -> None:
    assert compare_months(compared("500", "100", "50000"), None) is None


def test_the_comparison_is_this_minus_previous() -> None:
    result = compare_months(compared("50.5", "105", "3000"), compared("40", "100", "4000"))
    assert result is not None
    assert (result.hours.diff, result.hours.percentage) == (D("10.5"), D("26.25"))
    assert (result.average_rate.diff, result.average_rate.percentage) == (D(5), D(5))
    assert (result.money.diff, result.money.percentage) == (D(-1000), D(-25))
    assert result.remarkable  # by the hours


def test_a_zero_previous_month_has_no_percentage() -> None:
    result = compare_months(compared("12", "100", "1200"), compared("0"))
    assert result is not None
    assert result.hours.percentage is None
    assert result.average_rate.percentage is None
    assert result.money.percentage is None
    assert result.remarkable  # 12 more hours than nothing
    quiet = compare_months(compared("10", "100", "1000"), compared("0"))
    assert quiet is not None and not quiet.remarkable  # |Δ| = 10 is not > 10


@pytest.mark.parametrize(
    ("this", "previous", "remarkable"),
    [
        # hours: |Δ| > 10 and (previous 0 or |%| > 25)
        (compared("50.5"), compared("40"), True),  # +10.5, +26.25 %
        (compared("52.5"), compared("42"), False),  # +10.5, exactly +25 %
        (compared("52.51"), compared("42"), True),  # +25.02… %
        (compared("115"), compared("100"), False),  # +15, +15 %
        (compared("50"), compared("40"), False),  # +10 exactly
        (compared("70"), compared("100"), True),  # −30, −30 %
        (compared("10.01"), compared("0"), True),
        # average rate: |Δ| > 5 and both rates above 0
        (compared("100", "105.01"), compared("100", "100"), True),
        (compared("100", "105"), compared("100", "100"), False),
        (compared("100", "94.99"), compared("100", "100"), True),
        (compared("100", "120"), compared("100", "0"), False),
        (compared("100", "0"), compared("100", "120"), False),
        # money: |Δ| > 2000 and (previous 0 or |%| > 25)
        (compared("1", "0", "2000.01"), compared("1", "0", "0"), True),
        (compared("1", "0", "2000"), compared("1", "0", "0"), False),
        (compared("1", "0", "10000.01"), compared("1", "0", "8000"), True),  # +25.000125 %
        (compared("1", "0", "10000"), compared("1", "0", "8000"), False),  # +2000
        (compared("1", "0", "12000.5"), compared("1", "0", "10000"), False),  # +20.005 %
        (compared("1", "0", "5000"), compared("1", "0", "7500"), True),  # −2500, −33 %
    ],
)
def test_remarkable_changes(
    this: ComparedFigures, previous: ComparedFigures, remarkable: bool
) -> None:
    result = compare_months(this, previous)
    assert result is not None
    assert result.remarkable is remarkable


def test_percentages_are_rounded_to_six_decimals() -> None:
    result = compare_months(compared("1"), compared("3"))
    assert result is not None
    assert result.hours.percentage == D("-66.666667")


def test_the_month_before_january_is_december() -> None:
    assert previous_month(2025, 1) == (2024, 12)
    assert previous_month(2025, 3) == (2025, 2)
    assert next_month(2024, 12) == (2025, 1)
    assert next_month(2024, 11) == (2024, 12)


# ------------------------------------------------------------------------------ money per currency


def test_the_project_rows_count_until_copied_onto_the_invoice() -> None:
    own = [FixedRow("EUR", D("100"))]
    project = [FixedRow("EUR", D("500")), FixedRow("USD", D("20"))]
    assert counted_fixed_rows(own, project, "Created") == [*own, *project]
    assert counted_fixed_rows(own, project, "Approved") == [*own, *project]
    assert counted_fixed_rows(own, project, "Preview") == own
    assert counted_fixed_rows(own, project, "Sent") == own


def test_total_money_keeps_each_currency_apart() -> None:
    fixed = {"EUR": D("600"), "USD": D("20")}
    aws = {"USD": D("12.345678")}
    assert total_money(D("1144.9775"), RULES, fixed, aws) == {
        "EUR": D("1744.9775"),
        "USD": D("32.345678"),
    }
    assert total_money(D(0), InvoiceRules("SEK"), {}, {}) == {"SEK": D(0)}


def test_aws_billing_takes_an_accounts_total_row_when_there_is_one() -> None:
    accounts = [
        # the legacy CSV: line items 10.5 + 2.25 and the account's total (not added again)
        AwsAccountMonth("USD", D("12.75"), account_total=D("12.75")),
        # a total that differs from its line items (credits): the total is billed
        AwsAccountMonth("USD", D("5"), account_total=D("4")),
        # CUR 2.0: line items only
        AwsAccountMonth("USD", D("1.000001")),
        AwsAccountMonth("EUR", D("3")),
    ]
    assert aws_billing_money(accounts) == {"EUR": D("3"), "USD": D("17.750001")}
    assert aws_billing_money([]) == {}


def test_project_totals_add_hours_and_money_per_currency() -> None:
    totals = project_totals(
        [
            InvoiceMoney(D("10"), D("1000"), {"EUR": D("500")}, {}),
            InvoiceMoney(D("2.5"), D("250.5"), {"EUR": D("500"), "USD": D("5")}, {"USD": D("7")}),
            InvoiceMoney(D("0"), D("0"), {}, {}),
        ],
        RULES,
    )
    assert totals.invoices == 3
    assert totals.hours == D("12.5")
    assert totals.hour_money == D("1250.5")
    assert totals.fixed_rows == {"EUR": D("1000"), "USD": D("5")}
    assert totals.aws_billing == {"USD": D("7")}
    assert totals.money == {"EUR": D("2250.5"), "USD": D("12")}


def test_a_batch_computes_each_invoice_and_crosses_process_boundaries() -> None:
    inputs = [
        InvoiceInputs(
            key=(1, 2024, 12),
            internal_project=False,
            tallies=tuple(tally_entries([entry("2", "100"), entry("1", "40")])),
            fixed_rows=(FixedRow("EUR", D("10")),),
            aws_accounts=(AwsAccountMonth("USD", D("2"), account_total=D("1.5")),),
        ),
        InvoiceInputs(key=(2, 2025, 1), internal_project=True),
    ]
    inputs = pickle.loads(pickle.dumps(inputs))
    first, second = pickle.loads(pickle.dumps(compute_invoices(inputs, RULES)))
    assert first.key == (1, 2024, 12)
    assert first.figures.money == D("240")
    assert first.figures.checks.odd_rate == 1
    assert first.fixed_rows == {"EUR": D("10")}
    assert first.aws_billing == {"USD": D("1.5")}
    assert second.figures == InvoiceFigures()


@pytest.mark.parametrize(
    ("value", "text"),
    [("7.5000", "7.5"), ("0.0000", "0"), ("-0", "0"), ("1200", "1200"), ("0.000001", "0.000001")],
)
def test_plain_decimals(value: str, text: str) -> None:
    assert plain(D(value)) == text


# ------------------------------------------------------------------------------ against the rules


STATUSES = st.sampled_from(["Approved", "Pending Approval", "Unsubmitted"])
PHASES = st.sampled_from(["Development", "Non-billable x", "non billable", "[Non Phase Specific]"])
CATEGORIES = st.sampled_from(["", "[none]", "No category", "Design", " [NONE] "])
HOURS = st.decimals(min_value=-1, max_value=12, places=2)
RATES = st.decimals(min_value=0, max_value=250, places=2)
ENTRIES = st.builds(
    InvoiceEntry, HOURS, RATES, PHASES, CATEGORIES, st.sampled_from(["", " ", "Work"]), STATUSES
)


@given(st.lists(ENTRIES, max_size=25), st.booleans())
def test_tallying_first_gives_what_the_rules_give_entry_by_entry(
    entries: list[InvoiceEntry], internal: bool
) -> None:
    """The rules of docs/domain-rules.md written out entry by entry, against the tallies."""
    counted = [e for e in entries if e.status != "Unsubmitted" and e.hours > 0]
    billable = [
        e
        for e in counted
        if not internal and not e.phase_name.lower().startswith(("non-billable", "non billable"))
    ]
    expected_money = sum((e.bill_rate * e.hours for e in billable), D(0))
    result = figures_from_tallies(tally_entries(entries), internal_project=internal, rules=RULES)
    assert result.hours == sum((e.hours for e in counted), D(0))
    assert result.billable_hours == sum((e.hours for e in billable), D(0))
    assert result.money == expected_money
    assert result.checks.odd_rate == sum(1 for e in billable if not 50 < e.bill_rate < 170)
    assert result.checks.non_billable == len(counted) - len(billable)
    assert result.checks.non_phase_specific == sum(
        1 for e in counted if e.phase_name == "[Non Phase Specific]"
    )
    assert result.checks.not_approved == sum(1 for e in counted if e.status != "Approved")
    assert result.checks.empty_notes == sum(1 for e in counted if not e.notes)
    assert result.checks.no_category == sum(
        1 for e in counted if e.category.lower() in ("", "[none]", "no category")
    )
    if result.hours:
        assert abs(result.average_rate - expected_money / result.hours) <= D("0.0000005")
