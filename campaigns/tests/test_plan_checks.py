"""The five-year creation plan's checks: 递次达标, years, targets by the last year, pile-up."""

from decimal import Decimal

import pytest
from django.utils import translation

from campaigns.checks import (
    ERROR,
    FIRST_CLASS,
    QUALIFIED,
    WARNING,
    PlanRow,
    check_pileup,
    check_plan,
    check_progression,
    check_targets,
    check_years,
    yearly_totals,
)
from campaigns.targets import QUALIFIED_OR_BETTER, Targets


@pytest.fixture(autouse=True)
def english(settings):
    """The assertions read the English messages; the default language is restored after."""
    translation.activate("en")
    yield
    translation.activate(settings.LANGUAGE_CODE)


def codes(findings):
    return [f.code for f in findings]


def test_it_flags_first_class_planned_without_qualified():
    findings = check_progression([PlanRow(1, "李家村", first_class_year=2027)])
    assert codes(findings) == ["skips_qualified"]
    assert findings[0].severity == ERROR
    assert "李家村" in findings[0].message and "2027" in findings[0].message


def test_it_flags_first_class_planned_before_qualified():
    findings = check_progression([PlanRow(1, "李家村", qualified_year=2028, first_class_year=2027)])
    assert codes(findings) == ["first_class_before_qualified"]
    assert findings[0].village_id == 1


def test_it_accepts_qualified_and_first_class_in_the_same_year():
    assert (
        check_progression([PlanRow(1, "李家村", qualified_year=2027, first_class_year=2027)]) == []
    )


def test_it_accepts_first_class_alone_for_a_village_already_qualified():
    row = PlanRow(1, "李家村", standing=QUALIFIED, first_class_year=2027)
    assert check_progression([row]) == []


def test_it_flags_a_year_outside_the_campaign():
    findings = check_years([PlanRow(1, "李家村", qualified_year=2031)], 2026, 2030)
    assert codes(findings) == ["year_outside"]
    assert check_years([PlanRow(1, "李家村", qualified_year=2030)], 2026, 2030) == []


def test_it_counts_yearly_totals_cumulatively_with_the_standing_now():
    rows = [
        PlanRow(1, "甲", standing=FIRST_CLASS),
        PlanRow(2, "乙", standing=QUALIFIED, first_class_year=2028),
        PlanRow(3, "丙", qualified_year=2027),
        PlanRow(4, "丁"),
    ]
    totals = yearly_totals(rows, [2026, 2027, 2028])
    assert [(y.year, y.qualified_or_better, y.first_class) for y in totals] == [
        (2026, 2, 1),
        (2027, 3, 1),
        (2028, 3, 2),
    ]


def test_it_warns_when_the_plan_cannot_reach_the_qualified_target():
    rows = [PlanRow(i, f"村{i}", qualified_year=2027) for i in range(7)] + [
        PlanRow(9, "村9"),
        PlanRow(10, "村10"),
        PlanRow(11, "村11"),
    ]
    findings = check_targets(rows, 2030, Targets(first_class_share=Decimal("0")))
    assert codes(findings) == ["qualified_target"]
    assert findings[0].severity == WARNING
    assert "70.0%" in findings[0].message and "1" in findings[0].message


def test_it_accepts_a_plan_that_reaches_every_target():
    rows = [PlanRow(i, f"村{i}", qualified_year=2027, first_class_year=2029) for i in range(3)]
    rows += [PlanRow(i, f"村{i}", qualified_year=2028) for i in range(3, 10)]
    assert check_targets(rows, 2030, Targets()) == []


def test_it_checks_the_first_class_target_against_its_base():
    """4 first-class of 10 villages, 5 qualified or better: 40 % of all, 80 % of qualified."""
    rows = [PlanRow(i, f"村{i}", qualified_year=2027, first_class_year=2028) for i in range(4)]
    rows += [PlanRow(4, "村4", qualified_year=2027)]
    rows += [PlanRow(i, f"村{i}") for i in range(5, 10)]
    of_all = Targets(qualified_share=Decimal("0"), first_class_share=Decimal("50"))
    assert codes(check_targets(rows, 2030, of_all)) == ["first_class_target"]
    of_qualified = Targets(
        qualified_share=Decimal("0"),
        first_class_share=Decimal("50"),
        first_class_base=QUALIFIED_OR_BETTER,
    )
    assert check_targets(rows, 2030, of_qualified) == []


def test_it_names_the_first_class_base_in_its_message():
    rows = [PlanRow(1, "甲", qualified_year=2027)]
    findings = check_targets(rows, 2030, Targets(qualified_share=Decimal("0")))
    assert "of all villages" in findings[0].message


def test_it_warns_when_most_steps_fall_in_the_last_year():
    rows = [
        PlanRow(1, "甲", qualified_year=2030),
        PlanRow(2, "乙", qualified_year=2030),
        PlanRow(3, "丙", qualified_year=2027),
    ]
    findings = check_pileup(rows, 2030)
    assert codes(findings) == ["last_year_pileup"]
    assert "66.7%" in findings[0].message


def test_it_accepts_a_spread_at_the_threshold():
    """2 of 5 steps in the last year is exactly 40 %: not more than the limit."""
    rows = [
        PlanRow(1, "甲", qualified_year=2030),
        PlanRow(2, "乙", qualified_year=2030),
        PlanRow(3, "丙", qualified_year=2027),
        PlanRow(4, "丁", qualified_year=2028),
        PlanRow(5, "戊", qualified_year=2029),
    ]
    assert check_pileup(rows, 2030) == []


def test_it_ignores_the_pileup_of_too_few_steps():
    rows = [PlanRow(1, "甲", qualified_year=2030), PlanRow(2, "乙", qualified_year=2030)]
    assert check_pileup(rows, 2030) == []


def test_it_does_not_count_steps_already_taken():
    rows = [
        PlanRow(1, "甲", standing=QUALIFIED, qualified_year=2030),
        PlanRow(2, "乙", standing=FIRST_CLASS, first_class_year=2030),
        PlanRow(3, "丙", qualified_year=2030),
    ]
    assert check_pileup(rows, 2030) == []


def test_it_lists_errors_before_warnings():
    rows = [PlanRow(1, "甲", first_class_year=2027), PlanRow(2, "乙")]
    findings = check_plan(rows, 2026, 2030, Targets())
    assert findings[0].severity == ERROR
    assert {f.severity for f in findings[1:]} == {WARNING}


def test_it_warns_of_a_first_year_rush():
    rows = [PlanRow(n, f"村{n}", qualified_year=2026) for n in range(4)] + [
        PlanRow(9, "末村", qualified_year=2028)
    ]
    assert "first_year_rush" in codes(check_plan(rows, 2026, 2030, Targets()))


def test_it_does_not_warn_of_a_rush_for_a_spread_plan():
    rows = [PlanRow(n, f"村{n}", qualified_year=2026 + n) for n in range(5)]
    assert "first_year_rush" not in codes(check_plan(rows, 2026, 2030, Targets()))


def test_it_warns_of_villages_with_no_planned_step():
    rows = [
        PlanRow(1, "甲", qualified_year=2027),
        PlanRow(2, "乙"),
        PlanRow(3, "丙", standing=QUALIFIED),
    ]
    findings = [
        f for f in check_plan(rows, 2026, 2030, Targets()) if f.code == "village_without_step"
    ]
    assert len(findings) == 1 and "乙" in findings[0].message and "丙" not in findings[0].message
