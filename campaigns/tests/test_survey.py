"""The baseline survey (调查摸底): standing from titles, the last assessment's section scores, gaps
to the next title; prefilled, stored when saved, editable."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from assessments.models import AwardedTitle, TitleStatus
from assessments.services import ScoreInput, do_apply, do_create_round, do_save_scores
from assessments.tests.conftest import make_standard
from audit.models import AuditEvent
from campaigns.models import Standing, SurveyEntry
from campaigns.services import (
    do_create_campaign,
    do_save_survey,
    do_update_survey_entry,
    survey_lines,
)
from orgs.models import Level
from standards.models import Item, StageKind, TitleKind


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english(settings):
    """The assertions read the English messages; the default language is restored after."""
    translation.activate("en")
    yield
    translation.activate(settings.LANGUAGE_CODE)


CHAIN = [
    (StageKind.SELF_ASSESSMENT, Level.VILLAGE, False),
    (StageKind.ACCEPTANCE, Level.TOWNSHIP, False),
    (StageKind.DECISION, Level.COUNTY, False),
]


@pytest.fixture
def campaign(tree, county_officer):
    return do_create_campaign(county_officer, tree.county_a, name="三联创", first_year=2026)


@pytest.fixture
def qualified_round(tree, county_officer):
    standard = make_standard(
        TitleKind.QUALIFIED_VILLAGE,
        [
            ("组织健全", 50, 30, [("1", 25, False), ("2", 25, False)]),
            ("宣传服务", 50, None, [("3", 50, False)]),
        ],
        CHAIN,
        pass_total=80,
    )
    round_, _warnings = do_create_round(
        county_officer,
        tree.county_a,
        year=2026,
        name="2026年度",
        standards={TitleKind.QUALIFIED_VILLAGE: standard},
    )
    return round_


def _title(unit, title, status=TitleStatus.AWARDED, year=2025):
    return AwardedTitle.objects.create(
        unit=unit, title=title, year=year, status=status, awarded_at=timezone.now()
    )


def _line(lines, village):
    return next(line for line in lines if line.village == village)


def test_it_lists_every_village_of_the_township(campaign, tree):
    lines = survey_lines(campaign, tree.township_1)
    assert [line.village for line in lines] == [tree.village_1, tree.village_2]


def test_it_reads_the_standing_from_titles_in_force(campaign, tree):
    _title(tree.village_1, TitleKind.QUALIFIED_VILLAGE)
    _title(tree.village_1, TitleKind.FIRST_CLASS_VILLAGE, year=2026)
    _title(tree.village_2, TitleKind.QUALIFIED_VILLAGE, status=TitleStatus.REVOKED)
    lines = survey_lines(campaign, tree.township_1)
    assert _line(lines, tree.village_1).standing == Standing.FIRST_CLASS
    assert _line(lines, tree.village_2).standing == Standing.NONE


def test_it_prefills_the_last_assessment_s_section_scores_and_gaps(
    campaign, tree, qualified_round, village_operator
):
    assessment = do_apply(
        village_operator, qualified_round, TitleKind.QUALIFIED_VILLAGE, tree.village_1
    )
    points = {"1": 10, "2": 15, "3": 40}
    do_save_scores(
        village_operator,
        assessment,
        [
            ScoreInput(item_id=item.pk, points=points[item.number])
            for item in Item.objects.filter(section__standard=assessment.standard)
        ],
    )
    line = _line(survey_lines(campaign, tree.township_1), tree.village_1)
    assert line.assessment == assessment
    assert [(s["section"], s["score"]) for s in line.section_scores] == [
        ("组织健全", "25"),
        ("宣传服务", "40"),
    ]
    assert "组织健全" in line.gaps and "65" in line.gaps


def test_it_measures_a_qualified_village_against_the_first_class_standard(
    campaign, tree, qualified_round, village_operator
):
    make_standard(
        TitleKind.FIRST_CLASS_VILLAGE,
        [("组织健全", 50, 45, [("1", 50, False)]), ("宣传服务", 50, None, [("2", 50, False)])],
        CHAIN,
        pass_total=90,
    )
    assessment = do_apply(
        village_operator, qualified_round, TitleKind.QUALIFIED_VILLAGE, tree.village_1
    )
    do_save_scores(
        village_operator,
        assessment,
        [
            ScoreInput(item_id=item.pk, points=20 if item.number != "3" else 45)
            for item in Item.objects.filter(section__standard=assessment.standard)
        ],
    )
    _title(tree.village_1, TitleKind.QUALIFIED_VILLAGE, year=2026)
    line = _line(survey_lines(campaign, tree.township_1), tree.village_1)
    assert line.next_title == TitleKind.FIRST_CLASS_VILLAGE
    assert "“组织健全”: 40 of at least 45" in line.gaps
    assert "total 85 of at least 90" in line.gaps


def test_it_says_so_when_a_village_has_no_assessment(campaign, tree):
    line = _line(survey_lines(campaign, tree.township_1), tree.village_2)
    assert line.section_scores == [] and line.assessment is None
    assert "No assessment yet" in line.gaps


def test_it_stores_the_prefill_and_keeps_it_when_titles_change(campaign, tree, township_officer):
    assert do_save_survey(township_officer, campaign, tree.township_1) == 2
    _title(tree.village_2, TitleKind.QUALIFIED_VILLAGE, year=2026)
    line = _line(survey_lines(campaign, tree.township_1), tree.village_2)
    assert line.stored is not None and line.standing == Standing.NONE
    assert do_save_survey(township_officer, campaign, tree.township_1) == 0
    assert AuditEvent.objects.filter(action="campaigns.survey.save").count() == 1


def test_it_saves_an_edited_line(campaign, tree, township_officer):
    entry = do_update_survey_entry(
        township_officer,
        campaign,
        tree.village_2,
        standing=Standing.QUALIFIED,
        section_scores=[{"section": "组织健全", "points": "25", "score": "20"}],
        gaps="缺活动场所",
        notes="村委会支持",
    )
    assert SurveyEntry.objects.get() == entry
    line = _line(survey_lines(campaign, tree.township_1), tree.village_2)
    assert (line.standing, line.gaps, line.notes) == (
        Standing.QUALIFIED,
        "缺活动场所",
        "村委会支持",
    )
    assert line.section_scores[0]["score"] == "20"
    assert AuditEvent.objects.filter(action="campaigns.survey.update").count() == 1


def test_it_refuses_a_standing_that_does_not_exist(campaign, tree, township_officer):
    with pytest.raises(ValidationError):
        do_update_survey_entry(township_officer, campaign, tree.village_2, standing="gold")


def test_it_lets_only_the_township_keep_its_survey(
    campaign, tree, other_township_officer, county_officer, village_operator
):
    for actor in (other_township_officer, county_officer, village_operator):
        with pytest.raises(PermissionDenied):
            do_save_survey(actor, campaign, tree.township_1)
        with pytest.raises(PermissionDenied):
            do_update_survey_entry(actor, campaign, tree.village_1, standing=Standing.NONE)


def test_it_does_not_survey_a_township_outside_the_campaign(campaign, tree, outsider):
    with pytest.raises(ValidationError):
        do_save_survey(outsider, campaign, tree.township_b)
