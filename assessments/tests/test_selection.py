"""评先 with places: the county ranks the recommended townships, marks each 入选 or 未入选 with a
reason within the places it set, and the city confirms with its document number as the issuer."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from assessments import selection
from assessments.models import AssessmentState, AwardedTitle, Selection
from assessments.services import do_apply, do_create_round, do_decide, do_pass, do_submit
from assessments.tests.helpers import score_all
from audit.models import AuditEvent
from reports.commendation import certificate_of
from standards.models import TitleKind


@pytest.fixture
def selection_round(tree, county_officer, township_standard):
    round_, _warnings = do_create_round(
        county_officer,
        tree.county_a,
        year=2026,
        name="2026年度先进乡镇评选",
        standards={TitleKind.ADVANCED_TOWNSHIP: township_standard},
    )
    return round_


def recommend(officer, round_, township, points):
    assessment = do_apply(officer, round_, TitleKind.ADVANCED_TOWNSHIP, township)
    score_all(officer, assessment, {"1": points})
    return do_submit(officer, assessment)


@pytest.fixture
def two_recommended(tree, selection_round, township_officer, other_township_officer):
    weaker = recommend(township_officer, selection_round, tree.township_1, 80)
    stronger = recommend(other_township_officer, selection_round, tree.township_2, 95)
    return stronger, weaker


def test_it_ranks_the_recommended_townships_by_score(selection_round, two_recommended):
    stronger, weaker = two_recommended
    ranked = selection.candidates(selection_round)
    assert [(c.rank, c.assessment, c.score) for c in ranked] == [
        (1, stronger, 95),
        (2, weaker, 80),
    ]
    assert [c.meets_pass_mark for c in ranked] == [True, False]


def test_it_needs_the_places_before_any_mark(county_officer, two_recommended):
    with pytest.raises(ValidationError, match="名额"):
        selection.do_mark(county_officer, two_recommended[0], selected=True, reason="第一")


def test_it_never_selects_more_than_the_places(county_officer, selection_round, two_recommended):
    stronger, weaker = two_recommended
    selection.do_set_places(county_officer, selection_round, 1)
    selection.do_mark(county_officer, stronger, selected=True, reason="综合得分第一")
    with pytest.raises(ValidationError, match="名额"):
        selection.do_mark(county_officer, weaker, selected=True, reason="也不错")
    with pytest.raises(ValidationError):
        selection.do_set_places(county_officer, selection_round, 0)


def test_a_township_not_selected_ends_with_its_reason(
    county_officer, selection_round, two_recommended
):
    _stronger, weaker = two_recommended
    selection.do_set_places(county_officer, selection_round, 1)
    mark = selection.do_mark(county_officer, weaker, selected=False, reason="名额有限，得分第二")
    weaker.refresh_from_db()
    assert weaker.state == AssessmentState.NOT_AWARDED
    assert "名额有限，得分第二" in weaker.transitions.last().reason
    assert (mark.selected, mark.score) == (False, 80)


def test_every_mark_needs_a_reason(county_officer, selection_round, two_recommended):
    selection.do_set_places(county_officer, selection_round, 2)
    with pytest.raises(ValidationError):
        selection.do_mark(county_officer, two_recommended[0], selected=True, reason=" ")


def test_only_the_county_selects_and_only_the_city_confirms(
    township_officer, city_reviewer, county_officer, selection_round, two_recommended
):
    with pytest.raises(PermissionDenied):
        selection.do_set_places(township_officer, selection_round, 1)
    selection.do_set_places(county_officer, selection_round, 1)
    with pytest.raises(PermissionDenied):
        selection.do_mark(city_reviewer, two_recommended[0], selected=True, reason="x")
    selection.do_mark(county_officer, two_recommended[0], selected=True, reason="第一")
    selection.do_mark(county_officer, two_recommended[1], selected=False, reason="第二")
    with pytest.raises(PermissionDenied):
        selection.do_confirm(county_officer, selection_round, document_number="长计协〔2026〕5号")


def test_the_sheet_cannot_bypass_the_selection(
    county_officer, city_reviewer, selection_round, two_recommended
):
    stronger, _weaker = two_recommended
    with pytest.raises(ValidationError, match="名额"):
        do_pass(county_officer, stronger)
    selection.do_set_places(county_officer, selection_round, 1)
    selection.do_mark(county_officer, stronger, selected=True, reason="第一")
    stronger.refresh_from_db()
    with pytest.raises(ValidationError, match="文号"):
        do_decide(city_reviewer, stronger, award=True)


def test_the_city_confirms_with_its_document_number_and_issues_the_title(
    tree, county_officer, city_reviewer, selection_round, two_recommended
):
    stronger, weaker = two_recommended
    selection.do_set_places(county_officer, selection_round, 1)
    selection.do_mark(county_officer, stronger, selected=True, reason="第一")
    with pytest.raises(ValidationError, match="未入选"):
        selection.do_confirm(city_reviewer, selection_round, document_number="长计协〔2026〕5号")
    selection.do_mark(county_officer, weaker, selected=False, reason="第二")
    with pytest.raises(ValidationError, match="文号"):
        selection.do_confirm(city_reviewer, selection_round, document_number="")
    with translation.override("en"):  # the issuer is stored in the site's language
        [title] = selection.do_confirm(
            city_reviewer, selection_round, document_number="长计协〔2026〕5号"
        )
    assert (title.unit, title.document_number) == (tree.township_2, "长计协〔2026〕5号")
    assert title.issuer == "长沙市计划生育协会"
    with translation.override("zh-hans"):
        assert certificate_of(title).issuer == "长沙市计划生育协会"
    assert not AwardedTitle.objects.filter(unit=tree.township_1).exists()
    assert Selection.objects.get(round=selection_round).confirmed_document == "长计协〔2026〕5号"


def test_each_step_is_audited(county_officer, city_reviewer, selection_round, two_recommended):
    selection.do_set_places(county_officer, selection_round, 1)
    selection.do_mark(county_officer, two_recommended[0], selected=True, reason="第一")
    selection.do_mark(county_officer, two_recommended[1], selected=False, reason="第二")
    selection.do_confirm(city_reviewer, selection_round, document_number="长计协〔2026〕5号")
    actions = list(
        AuditEvent.objects.filter(action__startswith="selection.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["selection.places", "selection.mark", "selection.mark", "selection.confirm"]


# The page and the API


def _page(client, round_, data=None):
    url = reverse("assessments:selection", args=[round_.pk])
    return client.post(url, data) if data is not None else client.get(url)


def test_the_county_sets_places_and_marks_on_the_page(
    login, county_officer, selection_round, two_recommended
):
    stronger, weaker = two_recommended
    client = login(county_officer)
    _page(client, selection_round, {"step": "places", "places": "1"})
    for assessment, choice in ((stronger, "yes"), (weaker, "yes")):
        _page(
            client,
            selection_round,
            {"step": "mark", "assessment": assessment.pk, "selected": choice, "reason": "得分"},
        )
    page = _page(client, selection_round)
    assert [c.assessment for c in page.context["candidates"]] == [stronger, weaker]
    assert page.context["selected"] == 1  # the second 入选 was refused: one place
    assert "名额" in page.content.decode()


def test_the_township_sees_the_ranking_but_may_not_mark(
    login, township_officer, county_officer, selection_round, two_recommended
):
    selection.do_set_places(county_officer, selection_round, 1)
    client = login(township_officer)
    assert _page(client, selection_round).status_code == 200
    refused = _page(
        client,
        selection_round,
        {"step": "mark", "assessment": two_recommended[1].pk, "selected": "yes", "reason": "我"},
    )
    assert refused.status_code == 403


def test_the_city_confirms_over_the_api(
    as_user, tree, county_officer, city_reviewer, selection_round, two_recommended
):
    stronger, weaker = two_recommended
    county = as_user(county_officer)
    base = f"/api/v1/selections/rounds/{selection_round.pk}"
    placed = county.put(f"{base}/places", {"places": 1}, content_type="application/json")
    assert placed.status_code == 200
    for assessment, chosen in ((stronger, True), (weaker, False)):
        county.post(
            f"/api/v1/selections/assessments/{assessment.pk}/mark",
            {"selected": chosen, "reason": "按得分"},
            content_type="application/json",
        )
    refused = county.post(
        f"{base}/confirm", {"document_number": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403
    body = as_user(city_reviewer).post(
        f"{base}/confirm", {"document_number": "长计协〔2026〕5号"}, content_type="application/json"
    )
    assert body.status_code == 200
    assert body.json()["document_number"] == "长计协〔2026〕5号"
    assert [c["selected"] for c in body.json()["candidates"]] == [True, False]
    assert AwardedTitle.objects.get(unit=tree.township_2).document_number == "长计协〔2026〕5号"


# 五年评两次


def test_it_warns_near_the_campaigns_end_with_fewer_than_two_selections(
    tree, selection_round, county_officer, township_standard
):
    county = tree.county_a
    assert selection.shortfall_warning(county, 2026, 2030, 2027) == ""  # early: no warning
    with translation.override("zh-hans"):
        warning = selection.shortfall_warning(county, 2026, 2030, 2029)
    assert "只评选了1次" in warning and "五年评两次" in warning
    do_create_round(
        county_officer,
        county,
        year=2028,
        name="2028年度先进乡镇评选",
        standards={TitleKind.ADVANCED_TOWNSHIP: township_standard},
    )
    assert selection.shortfall_warning(county, 2026, 2030, 2029) == ""


def test_the_campaign_page_shows_the_shortfall(login, tree, county_officer, selection_round):
    from campaigns.services import do_create_campaign

    campaign = do_create_campaign(county_officer, tree.county_a, name="三联创", first_year=2026)
    url = reverse("campaigns:campaign", args=[campaign.pk])
    page = login(county_officer).get(url, {"year": 2030})
    assert "五年评两次" in page.content.decode()


def test_the_sheet_sends_the_county_to_the_selection_page(
    login, county_officer, selection_round, two_recommended
):
    sheet = login(county_officer).get(reverse("assessments:sheet", args=[two_recommended[0].pk]))
    assert not sheet.context["can_pass"]
    assert reverse("assessments:selection", args=[selection_round.pk]) in sheet.content.decode()
