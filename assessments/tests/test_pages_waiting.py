"""待我处理: what waits at the user's level and in their subtree, overdue first."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from assessments.models import RoundTitle, StageDeadline
from assessments.services import do_apply
from assessments.tests.page_helpers import applied, submitted
from standards.models import TitleKind

pytestmark = pytest.mark.django_db


def test_it_lists_a_submitted_assessment_for_the_township_not_the_village(
    login, tree, village_operator, township_officer, other_township_officer, round_2026
):
    assessment = submitted(tree, round_2026, village_operator)
    waiting = login(township_officer).get(reverse("assessments:waiting"))
    assert [r.assessment for r in waiting.context["page"]] == [assessment]
    assert not login(village_operator).get(reverse("assessments:waiting")).context["page"]
    assert not login(other_township_officer).get(reverse("assessments:waiting")).context["page"]


def test_it_puts_overdue_assessments_first(
    login, tree, village_operator, township_officer, round_2026
):
    on_time = do_apply(village_operator, round_2026, TitleKind.FIRST_CLASS_VILLAGE, tree.village_1)
    late = applied(tree, round_2026, village_operator)
    qualified = RoundTitle.objects.get(round=round_2026, title=TitleKind.QUALIFIED_VILLAGE)
    StageDeadline.objects.create(round_title=qualified, stage=0, due=date.today() - timedelta(1))
    rows = login(village_operator).get(reverse("assessments:waiting")).context["page"]
    assert [r.assessment for r in rows] == [late, on_time]
    assert [r.overdue for r in rows] == [True, False]
    page = login(village_operator).get(reverse("assessments:waiting")).content.decode()
    assert 'class="badge overdue"' in page


def test_it_links_the_waiting_list_from_the_home_page(login, village_operator, tree, round_2026):
    assessment = applied(tree, round_2026, village_operator)
    home = login(village_operator).get(reverse("home")).content.decode()
    assert reverse("assessments:waiting") in home
    assert reverse("assessments:sheet", args=[assessment.pk]) in home
    assert 'id="home-assessments"' in home


def test_it_reads_the_list_in_the_same_number_of_queries_however_long_it_is(
    login, tree, village_operator, round_2026, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    applied(tree, round_2026, village_operator)
    client = login(village_operator)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("assessments:waiting"))
    do_apply(village_operator, round_2026, TitleKind.FIRST_CLASS_VILLAGE, tree.village_1)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("assessments:waiting"))
    assert len(response.context["page"]) == 2


def test_it_links_the_assessment_pages_from_the_navigation(login, village_operator):
    page = login(village_operator).get(reverse("assessments:rounds")).content.decode()
    nav = page.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{reverse("assessments:rounds")}" aria-current="page"' in nav


def test_it_filters_by_title_and_overdue_and_counts(login, tree, village_operator, round_2026):
    """ui.md: tables have a search box, filters and totals; the list had none."""
    on_time = do_apply(village_operator, round_2026, TitleKind.FIRST_CLASS_VILLAGE, tree.village_1)
    late = applied(tree, round_2026, village_operator)
    qualified = RoundTitle.objects.get(round=round_2026, title=TitleKind.QUALIFIED_VILLAGE)
    StageDeadline.objects.create(round_title=qualified, stage=0, due=date.today() - timedelta(1))
    client = login(village_operator)
    url = reverse("assessments:waiting")
    page = client.get(url)
    assert 'id="waiting-filters"' in page.content.decode()
    assert "共2个评估" in page.content.decode()
    by_title = client.get(url, {"title": TitleKind.FIRST_CLASS_VILLAGE}).context["page"]
    assert [r.assessment for r in by_title] == [on_time]
    overdue = client.get(url, {"overdue": "on"})
    assert [r.assessment for r in overdue.context["page"]] == [late]
    assert "显示1个，共2个评估" in overdue.content.decode()
    by_name = client.get(url, {"q": tree.village_1.name[:2]}).context["page"]
    assert len(by_name) == 2
    assert not client.get(url, {"q": "不存在的村"}).context["page"]
