"""The county's spot check of qualified villages: a reproducible draw (same seed, same sample;
a re-draw equals the recorded sample), by share or count per township, and the inspection."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.models import (
    Assessment,
    AssessmentState,
    AwardedTitle,
    RevocationCause,
    SpotCheckResult,
    TitleStatus,
)
from assessments.services import (
    do_draw_spot_check,
    do_record_inspection,
    do_revoke_title,
    draw_sample,
    redraw,
)
from audit.models import AuditEvent
from orgs.models import Category, Level
from orgs.services import do_create_unit
from standards.models import TitleKind

pytestmark = pytest.mark.usefixtures("english")


def _awarded(round_, unit, standard):
    assessment = Assessment.objects.create(
        round=round_,
        title=TitleKind.QUALIFIED_VILLAGE,
        standard=standard,
        unit=unit,
        access_unit=unit,
        stage=2,
        state=AssessmentState.AWARDED,
    )
    AwardedTitle.objects.create(
        unit=unit,
        title=TitleKind.QUALIFIED_VILLAGE,
        year=round_.year,
        assessment=assessment,
        awarded_at=timezone.now(),
    )
    return assessment


@pytest.fixture
def awarded(tree, round_2026, qualified_standard):
    """Ten qualified villages in 青山镇 and four in 河口乡, awarded in the round."""
    made = {tree.township_1.pk: [], tree.township_2.pk: []}
    for township, count in ((tree.township_1, 10), (tree.township_2, 4)):
        for n in range(count):
            village = do_create_unit(
                None,
                parent=township,
                name=f"抽查村{n}",
                level=Level.VILLAGE,
                category=Category.VILLAGE,
                division_code=f"{township.division_code}{300 + n}",
            )
            made[township.pk].append(_awarded(round_2026, village, qualified_standard).pk)
    return made


def _draw(actor, round_, **rule):
    return do_draw_spot_check(actor, round_, TitleKind.QUALIFIED_VILLAGE, **rule)


def _sample(check):
    return sorted(check.entries.values_list("assessment_id", flat=True))


def test_it_draws_the_same_sample_from_the_same_seed(round_2026, awarded, county_officer):
    first = _draw(county_officer, round_2026, share="0.3", seed=20260101)
    second = _draw(county_officer, round_2026, share="0.3", seed=20260101)
    assert _sample(first) == _sample(second)
    other_seeds = {
        tuple(_sample(_draw(county_officer, round_2026, share="0.3", seed=s))) for s in range(5)
    }
    assert len(other_seeds) > 1


def test_it_redraws_the_recorded_sample(round_2026, awarded, county_officer):
    check = _draw(county_officer, round_2026, count=2)
    check.refresh_from_db()
    assert sorted(redraw(check)) == _sample(check)
    event = AuditEvent.objects.get(action="spot_check.draw")
    assert (event.after["seed"], sorted(event.after["sample"])) == (check.seed, _sample(check))


def test_it_draws_a_share_of_each_township_rounded_up(tree, round_2026, awarded, county_officer):
    check = _draw(county_officer, round_2026, share="0.25", seed=7)
    sample = set(_sample(check))
    assert len(sample & set(awarded[tree.township_1.pk])) == 3  # ⌈2.5⌉
    assert len(sample & set(awarded[tree.township_2.pk])) == 1


def test_it_draws_a_count_from_each_township(tree, round_2026, awarded, county_officer):
    check = _draw(county_officer, round_2026, count=5, seed=7)
    sample = set(_sample(check))
    assert len(sample & set(awarded[tree.township_1.pk])) == 5
    assert len(sample & set(awarded[tree.township_2.pk])) == 4  # all it has


def test_it_redraws_a_share_given_as_a_float_exactly(round_2026, awarded, county_officer):
    """0.1 as a float is a hair above 0.1: ten units once drew two and re-drew one."""
    check = _draw(county_officer, round_2026, share=0.1, seed=3)
    check.refresh_from_db()
    assert check.share == Decimal("0.100")
    assert len(_sample(check)) == 2  # one of ten, one of four
    assert sorted(redraw(check)) == _sample(check)


def test_it_is_a_pure_function_of_population_seed_and_rule():
    population = [(1, n) for n in range(10)] + [(2, n) for n in range(10, 14)]
    assert draw_sample(population, seed=5, count=2) == draw_sample(population, seed=5, count=2)
    assert len(draw_sample(population, seed=5, share=Decimal("0.5"))) == 7


def test_it_draws_only_awarded_titles_in_force(tree, round_2026, awarded, county_officer):
    revoked = AwardedTitle.objects.get(assessment_id=awarded[tree.township_2.pk][0])
    do_revoke_title(
        county_officer, revoked, cause=RevocationCause.REINSPECTION, reason="复查不合格"
    )
    check = _draw(county_officer, round_2026, share="1")
    assert revoked.assessment_id not in _sample(check)
    assert len(_sample(check)) == 13


@pytest.mark.parametrize(
    "rule",
    [
        {},
        {"share": "0.5", "count": 1},
        {"share": "0"},
        {"share": "1.5"},
        {"count": 0},
        {"count": 40000},
        {"share": "x"},
        {"count": 1, "seed": -1},
        {"count": 1, "seed": 2**70},
    ],
)
def test_it_refuses_a_rule_that_is_not_one_share_or_one_count(
    round_2026, awarded, county_officer, rule
):
    with pytest.raises(ValidationError):
        _draw(county_officer, round_2026, **rule)


def test_it_lets_only_the_county_draw(round_2026, awarded, township_officer, outsider):
    for user in (township_officer, outsider):
        with pytest.raises(PermissionDenied):
            _draw(user, round_2026, count=1)


def test_it_records_a_passed_inspection(round_2026, awarded, county_officer):
    entry = _draw(county_officer, round_2026, count=1).entries.first()
    do_record_inspection(county_officer, entry, passed=True)
    entry.refresh_from_db()
    assert (entry.result, entry.inspected_by) == (SpotCheckResult.PASSED, county_officer)
    assert AwardedTitle.objects.get(assessment=entry.assessment).status == TitleStatus.AWARDED


def test_it_revokes_the_title_of_a_failed_inspection(round_2026, awarded, county_officer):
    entry = _draw(county_officer, round_2026, count=1).entries.first()
    with pytest.raises(ValidationError, match="Say what"):
        do_record_inspection(county_officer, entry, passed=False)
    do_record_inspection(county_officer, entry, passed=False, reason="会员名册与实际不符")
    title = AwardedTitle.objects.get(assessment=entry.assessment)
    assert (title.status, title.revocation_cause) == (TitleStatus.REVOKED, "spot_check")
    assert title.revocation_reason == "会员名册与实际不符"


def test_it_records_an_inspection_once(round_2026, awarded, county_officer):
    entry = _draw(county_officer, round_2026, count=1).entries.first()
    do_record_inspection(county_officer, entry, passed=True)
    with pytest.raises(ValidationError, match="already recorded"):
        do_record_inspection(county_officer, entry, passed=False, reason="再查")


def test_it_records_a_failed_inspection_of_a_title_revoked_since_the_draw(
    round_2026, awarded, county_officer
):
    entry = _draw(county_officer, round_2026, count=1).entries.first()
    title = AwardedTitle.objects.get(assessment=entry.assessment)
    do_revoke_title(county_officer, title, cause=RevocationCause.VETO, reason="发现政策外生育")
    do_record_inspection(county_officer, entry, passed=False, reason="不合格")
    title.refresh_from_db()
    assert (title.revocation_cause, title.revocation_reason) == ("veto", "发现政策外生育")
    entry.refresh_from_db()
    assert entry.result == SpotCheckResult.FAILED


def test_it_lets_only_the_county_inspect(round_2026, awarded, county_officer, township_officer):
    entry = _draw(county_officer, round_2026, count=1).entries.first()
    with pytest.raises(PermissionDenied):
        do_record_inspection(township_officer, entry, passed=True)


def test_it_draws_only_among_the_chosen_townships_units(tree, round_2026, awarded, county_officer):
    check = _draw(county_officer, round_2026, count=2, seed=7, township=tree.township_2)
    assert set(_sample(check)) <= set(awarded[tree.township_2.pk])
    assert len(_sample(check)) == 2
    assert len(check.population) == 4
    assert sorted(redraw(check)) == _sample(check)


def test_it_records_the_township_in_the_draw_event(tree, round_2026, awarded, county_officer):
    check = _draw(county_officer, round_2026, count=1, seed=7, township=tree.township_2)
    event = AuditEvent.objects.get(action="spot_check.draw", object_id=str(check.pk))
    assert event.after["township"] == tree.township_2.name


def test_it_refuses_a_township_of_another_county(tree, round_2026, awarded, county_officer):
    with pytest.raises(ValidationError) as refused:
        _draw(county_officer, round_2026, count=1, township=tree.township_b)
    assert "township" in refused.value.message_dict
