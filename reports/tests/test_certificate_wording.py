"""Certificates name the title as offices write it: “五好”计生协会小组, 合格村(居)计生协会,
without the doubled quotes of ““五好”协会小组”."""

from django.utils import translation
from django.utils.translation import gettext

from campaigns.tests.test_rollups import award
from reports.commendation import certificate_of
from standards.models import TitleKind

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
