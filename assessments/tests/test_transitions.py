"""Every stage transition of the chain, allowed and refused: each level at each stage, the
wrong level, outside the subtree, a closed assessment; the last stage decides, the others pass."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import group_rules
from assessments.models import AssessmentState, AwardedTitle, Transition, TransitionAction
from assessments.services import (
    can_act,
    do_apply,
    do_create_round,
    do_decide,
    do_pass,
    do_return,
    do_save_scores,
    do_submit,
    do_withdraw,
)
from assessments.tests.helpers import (
    chain_to_last_stage,
    entries,
    score_all,
    self_assess_and_submit,
)
from audit.models import AuditEvent
from standards.models import TitleKind

pytestmark = pytest.mark.usefixtures("english")

PERSONAS = [
    "village_operator",
    "township_officer",
    "other_township_officer",
    "county_officer",
    "city_reviewer",
    "leader",
    "outsider",
    "administrator",
]
# Who acts at each stage of the qualified-village chain (self → township → county).
ACTOR_AT_STAGE = {0: "village_operator", 1: "township_officer", 2: "county_officer"}


@pytest.fixture
def at_stage(tree, round_2026, chain_personas):
    """An application of 李家村 brought to the given stage."""

    def _at(stage):
        if stage == 0:
            assessment = do_apply(
                chain_personas.village, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1
            )
        elif stage == 1:
            assessment = self_assess_and_submit(chain_personas, round_2026, tree.village_1)
        else:
            assessment = chain_to_last_stage(round_2026, tree.village_1, chain_personas)
        assessment.refresh_from_db()
        return assessment

    return _at


@pytest.mark.parametrize("stage", [0, 1, 2])
def test_it_lets_only_the_stages_level_in_the_subtree_act(request, at_stage, stage):
    """Every persona at every stage: only the stage's level, in the subtree, may act or score."""
    assessment = at_stage(stage)
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        allowed = ACTOR_AT_STAGE[stage] == persona
        assert can_act(user, assessment) == allowed, persona
        if allowed:
            continue
        before = assessment.scores.count()
        with pytest.raises(PermissionDenied):
            do_save_scores(user, assessment, entries(assessment))
        assert assessment.scores.count() == before, persona


def test_it_submits_a_complete_self_assessment(at_stage, chain_personas):
    assessment = at_stage(0)
    score_all(chain_personas.village, assessment)
    do_submit(chain_personas.village, assessment)
    assessment.refresh_from_db()
    assert assessment.stage == 1
    transition = assessment.transitions.last()
    assert (transition.action, transition.actor) == (
        TransitionAction.SUBMIT,
        chain_personas.village,
    )
    assert AuditEvent.objects.filter(action="assessment.submit", object_id=str(assessment.pk))


def test_it_refuses_to_submit_with_items_unscored(at_stage, chain_personas):
    assessment = at_stage(0)
    with pytest.raises(ValidationError, match="Score every item"):
        do_submit(chain_personas.village, assessment)


def test_it_submits_without_the_groups_which_go_up_on_their_own(at_stage, chain_personas):
    assessment = at_stage(0)
    score_all(chain_personas.village, assessment)
    do_submit(chain_personas.village, assessment)
    ratings = group_rules.ratings_with(assessment)
    assert ratings.count() == 3
    assert set(ratings.values_list("stage", "parent")) == {(0, None)}


@pytest.mark.parametrize(
    "persona", ["county_officer", "other_township_officer", "outsider", "leader"]
)
def test_it_refuses_a_pass_from_the_wrong_level_or_subtree(request, at_stage, persona):
    assessment = at_stage(1)
    with pytest.raises(PermissionDenied):
        do_pass(request.getfixturevalue(persona), assessment)
    assessment.refresh_from_db()
    assert assessment.stage == 1


def test_it_refuses_to_pass_a_self_assessment(at_stage, chain_personas):
    with pytest.raises(ValidationError, match="submitted, not passed"):
        do_pass(chain_personas.village, at_stage(0))


def test_it_refuses_to_pass_what_fails_the_standard(at_stage, chain_personas):
    assessment = at_stage(1)
    score_all(chain_personas.township, assessment, {"3": 10})
    with pytest.raises(ValidationError, match="does not meet the standard"):
        do_pass(chain_personas.township, assessment)


def test_it_passes_at_a_middle_stage_and_refuses_a_decision_there(at_stage, chain_personas):
    assessment = at_stage(1)
    with pytest.raises(ValidationError, match="Only the last stage"):
        do_decide(chain_personas.township, assessment, award=True)
    do_pass(chain_personas.township, assessment)
    assessment.refresh_from_db()
    assert assessment.stage == 2


def test_it_decides_at_the_last_stage_and_refuses_a_pass_there(at_stage, chain_personas):
    assessment = at_stage(2)
    with pytest.raises(ValidationError, match="decide instead"):
        do_pass(chain_personas.county, assessment)
    do_decide(chain_personas.county, assessment, award=True)
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.AWARDED
    assert AwardedTitle.objects.get(assessment=assessment).awarded_by == chain_personas.county


@pytest.mark.parametrize("persona", ["township_officer", "city_reviewer", "outsider"])
def test_it_refuses_a_decision_from_the_wrong_level_or_subtree(request, at_stage, persona):
    assessment = at_stage(2)
    with pytest.raises(PermissionDenied):
        do_decide(request.getfixturevalue(persona), assessment, award=True)
    assert not AwardedTitle.objects.exists() or not AwardedTitle.objects.filter(
        assessment=assessment
    )


def test_it_needs_a_reason_not_to_award(at_stage, chain_personas):
    assessment = at_stage(2)
    with pytest.raises(ValidationError, match="not awarded"):
        do_decide(chain_personas.county, assessment, award=False)
    do_decide(chain_personas.county, assessment, award=False, reason="材料不实")
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.NOT_AWARDED
    assert not AwardedTitle.objects.filter(assessment=assessment).exists()


@pytest.mark.parametrize("award", [True, False])
def test_it_refuses_every_action_on_a_closed_assessment(at_stage, chain_personas, award):
    assessment = at_stage(2)
    do_decide(chain_personas.county, assessment, award=award, reason="决定")
    for action in (
        lambda: do_decide(chain_personas.county, assessment, award=True),
        lambda: do_return(chain_personas.county, assessment, reason="再看"),
        lambda: do_save_scores(chain_personas.county, assessment, entries(assessment)),
    ):
        with pytest.raises(ValidationError, match="closed"):
            action()


def test_it_refuses_an_apply_from_another_level_or_village(
    tree, round_2026, township_officer, village_operator
):
    with pytest.raises(PermissionDenied):
        do_apply(township_officer, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    with pytest.raises(PermissionDenied):
        do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_2)


def test_it_refuses_a_second_application_and_an_apply_in_a_closed_round(
    tree, round_2026, village_operator
):
    do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    with pytest.raises(ValidationError, match="already applied"):
        do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    round_2026.status = "closed"
    round_2026.save()
    with pytest.raises(ValidationError, match="closed"):
        do_apply(village_operator, round_2026, TitleKind.FIRST_CLASS_VILLAGE, tree.village_1)


def test_it_withdraws_only_before_submission(at_stage, chain_personas):
    submitted = at_stage(1)
    with pytest.raises(PermissionDenied):
        do_withdraw(chain_personas.village, submitted)
    draft = do_apply(
        chain_personas.village, submitted.round, TitleKind.FIRST_CLASS_VILLAGE, submitted.unit
    )
    do_withdraw(chain_personas.village, draft, reason="明年再报")
    draft.refresh_from_db()
    assert draft.state == AssessmentState.WITHDRAWN


def test_it_runs_the_advanced_township_chain_to_the_citys_confirmation(
    tree, county_officer, township_officer, city_reviewer, township_standard
):
    """The county's step is the selection against the places (assessments/selection.py), the
    city's the confirmation with its document number."""
    from assessments import selection

    round_, _ = do_create_round(
        county_officer,
        tree.county_a,
        year=2026,
        name="2026年度评先",
        standards={TitleKind.ADVANCED_TOWNSHIP: township_standard},
    )
    assessment = do_apply(township_officer, round_, TitleKind.ADVANCED_TOWNSHIP, tree.township_1)
    score_all(township_officer, assessment)
    do_submit(township_officer, assessment)
    with pytest.raises(PermissionDenied):
        do_pass(city_reviewer, assessment)
    selection.do_set_places(county_officer, round_, 1)
    with pytest.raises(PermissionDenied):
        selection.do_mark(city_reviewer, assessment, selected=True, reason="得分第一")
    selection.do_mark(county_officer, assessment, selected=True, reason="得分第一")
    with pytest.raises(PermissionDenied):
        selection.do_confirm(county_officer, round_, document_number="长计协〔2026〕5号")
    selection.do_confirm(city_reviewer, round_, document_number="长计协〔2026〕5号")
    actions = list(assessment.transitions.values_list("action", "actor__username"))
    assert actions == [
        ("apply", "township_1"),
        ("submit", "township_1"),
        ("pass", "county_a"),
        ("award", "city"),
    ]
    assert Transition.objects.filter(assessment=assessment).count() == 4


def test_it_refuses_a_round_from_a_level_that_does_not_organise_it(
    tree, township_officer, qualified_standard
):
    with pytest.raises(PermissionDenied):
        do_create_round(
            township_officer,
            tree.county_a,
            year=2026,
            name="越权",
            standards={TitleKind.QUALIFIED_VILLAGE: qualified_standard},
        )


def test_it_refuses_a_round_whose_standard_has_no_reviewing_stage(
    tree, county_officer, qualified_standard
):
    qualified_standard.stages.exclude(position=0).delete()
    with pytest.raises(ValidationError, match="reviewing stage"):
        do_create_round(
            county_officer,
            tree.county_a,
            year=2026,
            name="坏链",
            standards={TitleKind.QUALIFIED_VILLAGE: qualified_standard},
        )


def test_it_refuses_a_simultaneous_second_application_with_a_message(
    tree, round_2026, village_operator, monkeypatch
):
    """Two applications racing past the duplicate check: the database's constraint decides and
    the second hears why (no IntegrityError, no half-written application)."""
    from django.db.models import QuerySet

    do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)
    with pytest.raises(ValidationError, match="already applied"):
        do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    monkeypatch.undo()
    applied = Transition.objects.filter(action=TransitionAction.APPLY, assessment__parent=None)
    assert applied.filter(assessment__unit=tree.village_1).count() == 1
