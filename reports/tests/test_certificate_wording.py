"""Certificates name the title as offices write it: “五好”计生协会小组, 合格村(居)计生协会,
without the doubled quotes of ““五好”协会小组”."""

from django.utils import translation
from django.utils.translation import gettext

from campaigns.tests.test_rollups import award
from orgs.models import Level
from reports.commendation import certificate_of, list_title
from standards.models import Stage, StageKind, Standard, TitleKind

SENTENCE = (
    "In recognition of your work in the 三联创 campaign, you are awarded the title of %(title)s "
    "for %(year)s."
)


def test_it_quotes_only_five_good_on_a_groups_certificate(tree):
    title = award(tree.group_1, TitleKind.FIVE_GOOD_GROUP, 2025)
    with translation.override("zh-hans"):
        certificate = certificate_of(title)
        text = gettext(SENTENCE) % {"title": certificate.title, "year": certificate.year}
    assert certificate.title == "“五好”计生协会小组"
    assert "被评为2025年度“五好”计生协会小组，" in text and "““" not in text


def test_it_names_a_village_title_as_a_family_planning_association(tree):
    title = award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2025)
    with translation.override("zh-hans"):
        assert certificate_of(title).title == "合格村(居)计生协会"


def _city_confirmed_standard():
    standard = Standard.objects.create(
        title=TitleKind.ADVANCED_TOWNSHIP, version=1, name="先进乡镇(街道)协会"
    )
    for position, (kind, level) in enumerate(
        [
            (StageKind.SELF_ASSESSMENT, Level.TOWNSHIP),
            (StageKind.SELECTION, Level.COUNTY),
            (StageKind.CONFIRMATION, Level.CITY),
        ]
    ):
        Stage.objects.create(standard=standard, position=position, kind=kind, level=level)
    return standard


def test_it_names_the_city_as_issuer_of_a_city_confirmed_title(tree):
    standard = _city_confirmed_standard()
    title = award(tree.township_1, TitleKind.ADVANCED_TOWNSHIP, 2025)
    round_ = title.assessment.round
    round_.titles.create(title=TitleKind.ADVANCED_TOWNSHIP, standard=standard)
    with translation.override("zh-hans"):
        assert tree.city.name in certificate_of(title).issuer
        assert tree.city.name in list_title(round_, TitleKind.ADVANCED_TOWNSHIP)


def test_it_keeps_the_county_as_issuer_of_a_county_decided_title(tree):
    title = award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2025)
    with translation.override("zh-hans"):
        assert tree.county_a.name in certificate_of(title).issuer
