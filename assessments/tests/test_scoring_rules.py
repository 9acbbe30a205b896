"""The pass rule: totals, section minimums, veto items, and 递次达标 prerequisites."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments.models import AwardedTitle, TitleStatus
from assessments.services import do_apply, do_decide, do_pass, do_submit, prerequisite_met
from assessments.tests.helpers import chain_to_last_stage, rate_groups, score_all
from standards.models import Item, TitleKind
from standards.scoring import ItemMark, evaluate

pytestmark = pytest.mark.usefixtures("english")


def _marks(standard, points=None, veto_violated=False):
    """Full marks for every item, overridden by item number."""
    points = points or {}
    return {
        item.pk: ItemMark(
            points=points.get(item.number, item.points),
            veto_violated=veto_violated if item.is_veto else None,
        )
        for item in Item.objects.filter(section__standard=standard)
    }


def test_it_passes_full_marks_and_adds_up_the_total(qualified_standard):
    outcome = evaluate(qualified_standard, _marks(qualified_standard))
    assert outcome.passes
    assert outcome.total == Decimal("100")


def test_it_fails_a_total_below_the_pass_mark(qualified_standard):
    outcome = evaluate(qualified_standard, _marks(qualified_standard, {"3": Decimal("29")}))
    assert outcome.total == Decimal("79")
    assert outcome.below_total and not outcome.passes


def test_it_passes_exactly_at_the_pass_mark(qualified_standard):
    assert evaluate(qualified_standard, _marks(qualified_standard, {"3": Decimal("30")})).passes


def test_it_fails_a_section_below_its_minimum_whatever_the_total(qualified_standard):
    """组织健全 needs 30 of 50: 29 there fails even with a total of 79 + … above the mark."""
    qualified_standard.pass_total = Decimal("70")
    qualified_standard.save()
    outcome = evaluate(qualified_standard, _marks(qualified_standard, {"1": 4}))
    assert outcome.total == Decimal("79")
    assert [s.name for s in outcome.short_sections] == ["组织健全"]
    assert not outcome.passes
    assert "组织健全" in " ".join(outcome.reasons(qualified_standard))


def test_it_fails_a_violated_veto_item_whatever_the_total(qualified_standard):
    outcome = evaluate(qualified_standard, _marks(qualified_standard, veto_violated=True))
    assert outcome.total == Decimal("100")
    assert [i.number for i in outcome.violated_vetoes] == ["4"]
    assert not outcome.passes


def test_it_counts_an_unanswered_veto_item_as_unscored(qualified_standard):
    marks = _marks(qualified_standard)
    veto = Item.objects.get(section__standard=qualified_standard, number="4")
    marks[veto.pk] = ItemMark()
    outcome = evaluate(qualified_standard, marks)
    assert [i.number for i in outcome.unscored] == ["4"]
    assert not outcome.passes


def test_it_lists_a_veto_item_with_points_once_when_nothing_is_entered(qualified_standard):
    veto = Item.objects.get(section__standard=qualified_standard, number="4")
    veto.points = Decimal("5")
    veto.save()
    marks = _marks(qualified_standard)
    marks[veto.pk] = ItemMark()
    outcome = evaluate(qualified_standard, marks)
    assert [i.number for i in outcome.unscored] == ["4"]
    assert outcome.reasons(qualified_standard).count("Item 4 is not scored.") == 1


def test_it_fails_while_an_item_is_unscored(qualified_standard):
    marks = _marks(qualified_standard)
    del marks[Item.objects.get(section__standard=qualified_standard, number="2").pk]
    outcome = evaluate(qualified_standard, marks)
    assert [i.number for i in outcome.unscored] == ["2"]
    assert not outcome.passes


def test_it_refuses_to_award_a_failing_assessment(tree, round_2026, chain_personas):
    assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    score_all(chain_personas.county, assessment, {"3": 20})
    with pytest.raises(ValidationError, match="does not meet the standard"):
        do_decide(chain_personas.county, assessment, award=True)


# 递次达标


def _first_class(round_, tree, personas):
    assessment = do_apply(personas.village, round_, TitleKind.FIRST_CLASS_VILLAGE, tree.village_1)
    score_all(personas.village, assessment)
    rate_groups(personas.village, assessment)
    do_submit(personas.village, assessment)
    score_all(personas.township, assessment)
    do_pass(personas.township, assessment)
    return assessment


def _title(unit, year, status=TitleStatus.AWARDED):
    from django.utils import timezone

    return AwardedTitle.objects.create(
        unit=unit,
        title=TitleKind.QUALIFIED_VILLAGE,
        year=year,
        status=status,
        awarded_at=timezone.now(),
    )


def test_it_refuses_first_class_to_a_village_without_the_qualified_title(
    tree, round_2026, chain_personas
):
    assessment = _first_class(round_2026, tree, chain_personas)
    with pytest.raises(ValidationError, match="递次达标"):
        do_decide(chain_personas.county, assessment, award=True)


def test_it_awards_first_class_to_a_village_qualified_in_an_earlier_year(
    tree, round_2026, chain_personas
):
    _title(tree.village_1, 2024)
    assessment = _first_class(round_2026, tree, chain_personas)
    do_decide(chain_personas.county, assessment, award=True)
    assert AwardedTitle.objects.filter(title=TitleKind.FIRST_CLASS_VILLAGE).count() == 1


def test_it_does_not_count_a_revoked_qualified_title(tree, round_2026, chain_personas):
    _title(tree.village_1, 2024, TitleStatus.REVOKED)
    assessment = _first_class(round_2026, tree, chain_personas)
    assert not prerequisite_met(assessment)


def test_it_awards_first_class_when_qualified_is_earned_in_the_same_round(
    tree, round_2026, chain_personas
):
    qualified = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    first_class = _first_class(round_2026, tree, chain_personas)
    assert not prerequisite_met(first_class)
    do_decide(chain_personas.county, qualified, award=True)
    do_decide(chain_personas.county, first_class, award=True)
    assert AwardedTitle.objects.get(title=TitleKind.FIRST_CLASS_VILLAGE).year == 2026


def test_it_refuses_a_same_round_prerequisite_when_the_standard_says_so(
    tree, round_2026, chain_personas, first_class_standard
):
    first_class_standard.prerequisite_same_round = False
    first_class_standard.save()
    qualified = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    do_decide(chain_personas.county, qualified, award=True)
    first_class = _first_class(round_2026, tree, chain_personas)
    with pytest.raises(ValidationError, match="递次达标"):
        do_decide(chain_personas.county, first_class, award=True)


def test_it_counts_an_earlier_title_superseded_this_year_when_same_round_is_off(
    tree, round_2026, chain_personas, first_class_standard
):
    """Qualified in 2025, qualified again in 2026 (which supersedes 2025): still held before."""
    first_class_standard.prerequisite_same_round = False
    first_class_standard.save()
    _title(tree.village_1, 2025)
    qualified = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
    do_decide(chain_personas.county, qualified, award=True)
    first_class = _first_class(round_2026, tree, chain_personas)
    do_decide(chain_personas.county, first_class, award=True)
    assert AwardedTitle.objects.filter(title=TitleKind.FIRST_CLASS_VILLAGE).exists()
