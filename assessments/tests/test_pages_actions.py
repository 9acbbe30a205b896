"""Actions on the sheet, each behind a confirmation: submit, pass, return, decide, withdraw."""

import pytest
from django.urls import reverse

from assessments import group_rules
from assessments.models import AssessmentState, AwardedTitle, Transition, TransitionAction
from assessments.tests.page_helpers import applied, at_county, item, score_all, submitted

pytestmark = pytest.mark.django_db


def _act(client, assessment, name, data=None):
    url = reverse("assessments:act", args=[assessment.pk, name])
    if data is None:
        return client.get(url)
    return client.post(url, {"version": assessment.version, **data})


def test_it_asks_before_submitting_and_submits_on_confirmation(
    login, tree, village_operator, round_2026
):
    assessment = applied(tree, round_2026, village_operator)
    score_all(village_operator, assessment)
    for group in group_rules.ratings_with(assessment):
        score_all(village_operator, group)
    assessment.refresh_from_db()
    client = login(village_operator)
    page = _act(client, assessment, "submit")
    assert page.status_code == 200
    assert 'id="confirm"' in page.content.decode()
    assessment.refresh_from_db()
    assert assessment.stage == 0
    response = _act(client, assessment, "submit", {})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.stage == 1


def test_it_says_what_is_missing_instead_of_failing(login, tree, village_operator, round_2026):
    """Submitting with unscored items shows the service's message on the page, never a 500."""
    assessment = applied(tree, round_2026, village_operator)
    response = _act(login(village_operator), assessment, "submit", {})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assessment.refresh_from_db()
    assert assessment.stage == 0


def test_it_returns_one_item_with_a_reason(
    login, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    two = item(assessment, "2")
    response = _act(
        login(township_officer), assessment, "return", {"items": [two.pk], "reason": "档案不全"}
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.stage, assessment.reopened_items) == (0, [two.pk])
    transition = Transition.objects.get(action=TransitionAction.RETURN)
    assert transition.reason == "档案不全"


def test_it_refuses_a_return_without_a_reason(
    login, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    response = _act(login(township_officer), assessment, "return", {"reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assessment.refresh_from_db()
    assert assessment.stage == 1


def test_it_passes_to_the_county(login, tree, village_operator, township_officer, round_2026):
    assessment = submitted(tree, round_2026, village_operator)
    score_all(township_officer, assessment)
    assessment.refresh_from_db()
    response = _act(login(township_officer), assessment, "pass", {"reason": ""})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.stage == 2


def test_it_shows_why_an_assessment_cannot_pass(
    login, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    score_all(township_officer, assessment, {"1": 5, "2": 5, "3": 10})
    assessment.refresh_from_db()
    response = _act(login(township_officer), assessment, "pass", {"reason": ""})
    assert response.status_code == 400
    assert len(response.context["form"].non_field_errors()) > 1
    assessment.refresh_from_db()
    assert assessment.stage == 1


def test_it_awards_the_title_on_the_countys_decision(
    login, tree, village_operator, township_officer, county_officer, round_2026
):
    assessment = at_county(tree, round_2026, village_operator, township_officer)
    response = _act(login(county_officer), assessment, "decide", {"award": "yes", "reason": ""})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.AWARDED
    assert AwardedTitle.objects.filter(unit=tree.village_1, year=2026).exists()


def test_it_needs_a_reason_not_to_award(
    login, tree, village_operator, township_officer, county_officer, round_2026
):
    assessment = at_county(tree, round_2026, village_operator, township_officer)
    client = login(county_officer)
    refused = _act(client, assessment, "decide", {"award": "no", "reason": ""})
    assert "reason" in refused.context["form"].errors
    done = _act(client, assessment, "decide", {"award": "no", "reason": "会员比例不足"})
    assert done.status_code == 302
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.NOT_AWARDED


def test_it_forbids_an_action_at_another_levels_stage(login, tree, village_operator, round_2026):
    """The village cannot pass its own submitted assessment: 403, recorded."""
    assessment = submitted(tree, round_2026, village_operator)
    assert _act(login(village_operator), assessment, "pass").status_code == 403


def test_it_shows_only_the_buttons_of_whoever_acts(
    login, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    village_page = login(village_operator).get(reverse("assessments:sheet", args=[assessment.pk]))
    assert 'id="actions"' not in village_page.content.decode()
    township_page = login(township_officer).get(reverse("assessments:sheet", args=[assessment.pk]))
    assert township_page.context["can_pass"] and township_page.context["can_return"]
    assert not township_page.context["can_decide"]


def test_it_refuses_an_action_on_a_page_read_before_a_change(
    login, tree, village_operator, township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    stale = assessment.version
    score_all(township_officer, assessment)
    response = login(township_officer).post(
        reverse("assessments:act", args=[assessment.pk, "pass"]), {"version": stale}
    )
    assert response.status_code == 400
    assessment.refresh_from_db()
    assert assessment.stage == 1


def test_it_withdraws_an_application_after_confirmation(login, tree, village_operator, round_2026):
    assessment = applied(tree, round_2026, village_operator)
    response = _act(login(village_operator), assessment, "withdraw", {"reason": "条件未成熟"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.WITHDRAWN


def test_it_answers_404_for_an_unknown_action(login, tree, village_operator, round_2026):
    assessment = applied(tree, round_2026, village_operator)
    assert _act(login(village_operator), assessment, "delete").status_code == 404


def test_it_takes_an_advanced_township_from_its_application_to_the_citys_confirmation(
    login, tree, township_officer, county_officer, city_reviewer, township_standard
):
    """The township applies from the round page; the county selects; the city confirms."""
    from assessments.services import do_create_round
    from standards.models import TitleKind

    round_, _warnings = do_create_round(
        county_officer,
        tree.county_a,
        year=2026,
        name="2026评先",
        standards={TitleKind.ADVANCED_TOWNSHIP: township_standard},
    )
    client = login(township_officer)
    client.post(
        reverse("assessments:apply", args=[round_.pk]),
        {"title": TitleKind.ADVANCED_TOWNSHIP, "unit": tree.township_1.pk},
    )
    assessment = round_.assessments.get()
    sheet = client.get(reverse("assessments:sheet", args=[assessment.pk]))
    assert [s.level for s in sheet.context["stages"]] == [4, 3, 2]
    score_all(township_officer, assessment)
    assessment.refresh_from_db()
    assert _act(client, assessment, "submit", {}).status_code == 302
    assessment.refresh_from_db()
    score_all(county_officer, assessment)
    assessment.refresh_from_db()
    county = login(county_officer)
    selection_page = reverse("assessments:selection", args=[round_.pk])
    county.post(selection_page, {"step": "places", "places": "1"})
    mark = {"step": "mark", "assessment": assessment.pk, "selected": "yes", "reason": "得分第一"}
    assert county.post(selection_page, mark).status_code == 302
    city = login(city_reviewer)
    waiting = city.get(reverse("assessments:waiting")).context["page"]
    assert [r.assessment for r in waiting] == [assessment]
    confirmed = city.post(
        selection_page, {"step": "confirm", "document_number": "长计协〔2026〕5号"}
    )
    assert confirmed.status_code == 302
    assert AwardedTitle.objects.filter(unit=tree.township_1).exists()
