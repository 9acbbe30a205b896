"""Round pages: the list, creating a round, the round at a glance, applying."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts.models import RoleKind
from accounts.services import do_create_user, do_grant_role
from assessments.models import Assessment, Round, RoundTitle, StageDeadline
from assessments.services import do_apply, do_close_round, do_create_round
from assessments.tests.page_helpers import submitted
from conftest import PASSWORD
from standards.models import TitleKind

pytestmark = pytest.mark.django_db


def _operator_of(unit, username):
    user = do_create_user(None, username=username, password=PASSWORD)
    do_grant_role(None, user, unit, RoleKind.VILLAGE_OPERATOR)
    return user


def test_it_lists_the_countys_rounds_for_a_village_operator(login, village_operator, round_2026):
    """A round organised above the user takes them in, so they see it."""
    response = login(village_operator).get(reverse("assessments:rounds"))
    assert response.status_code == 200
    assert round_2026.name in response.content.decode()


def test_it_hides_another_countys_round(login, outsider, round_2026):
    client = login(outsider)
    assert round_2026.name not in client.get(reverse("assessments:rounds")).content.decode()
    assert client.get(reverse("assessments:round", args=[round_2026.pk])).status_code == 404


def test_it_creates_a_round_with_deadlines_per_stage(
    login, tree, county_officer, qualified_standard
):
    response = login(county_officer).post(
        reverse("assessments:round_create"),
        {
            "organiser": tree.county_a.pk,
            "year": 2027,
            "name": "2027年度评估",
            "standard_qualified_village": qualified_standard.pk,
            "due_qualified_village_0": "2027-03-31",
            "due_qualified_village_1": "2027-05-31",
        },
    )
    round_ = Round.objects.get(name="2027年度评估")
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:round", args=[round_.pk])
    dues = StageDeadline.objects.filter(round_title__round=round_).order_by("stage")
    assert [(d.stage, d.due) for d in dues] == [(0, date(2027, 3, 31)), (1, date(2027, 5, 31))]


def test_it_refuses_deadlines_out_of_order(login, tree, county_officer, qualified_standard):
    response = login(county_officer).post(
        reverse("assessments:round_create"),
        {
            "organiser": tree.county_a.pk,
            "year": 2027,
            "name": "2027年度评估",
            "standard_qualified_village": qualified_standard.pk,
            "due_qualified_village_0": "2027-05-31",
            "due_qualified_village_1": "2027-03-31",
        },
    )
    assert response.status_code == 200
    assert "due_qualified_village_1" in response.context["form"].errors
    assert not Round.objects.exists()


def test_it_refuses_a_round_without_any_title(login, tree, county_officer, qualified_standard):
    response = login(county_officer).post(
        reverse("assessments:round_create"),
        {"organiser": tree.county_a.pk, "year": 2027, "name": "空的"},
    )
    assert response.status_code == 200
    assert not Round.objects.exists()


def test_it_shows_cadence_warnings_after_creating_a_round(
    login, tree, county_officer, township_standard
):
    """A township selection a year after the last one is warned about once created."""
    do_create_round(
        county_officer,
        tree.county_a,
        year=2026,
        name="2026评先",
        standards={TitleKind.ADVANCED_TOWNSHIP: township_standard},
    )
    response = login(county_officer).post(
        reverse("assessments:round_create"),
        {
            "organiser": tree.county_a.pk,
            "year": 2027,
            "name": "2027评先",
            "standard_advanced_township": township_standard.pk,
        },
        follow=True,
    )
    assert Round.objects.filter(name="2027评先").exists()
    assert "2026" in " ".join(str(m) for m in response.context["messages"])


def test_it_refuses_round_creation_to_a_township_officer(login, township_officer):
    response = login(township_officer).get(reverse("assessments:round_create"))
    assert response.status_code == 403


def test_it_lets_a_village_operator_apply_from_the_round_page(
    login, tree, village_operator, round_2026
):
    client = login(village_operator)
    page = client.get(reverse("assessments:round", args=[round_2026.pk])).content.decode()
    assert 'id="apply"' in page
    response = client.post(
        reverse("assessments:apply", args=[round_2026.pk]),
        {"title": TitleKind.QUALIFIED_VILLAGE, "unit": tree.village_1.pk},
    )
    assessment = Assessment.objects.get(unit=tree.village_1, title=TitleKind.QUALIFIED_VILLAGE)
    assert response["Location"] == reverse("assessments:sheet", args=[assessment.pk])


def test_it_says_why_an_application_is_refused(login, tree, township_officer, round_2026):
    """A township officer cannot apply for a village: a message, no 500, nothing created."""
    response = login(township_officer).post(
        reverse("assessments:apply", args=[round_2026.pk]),
        {"title": TitleKind.QUALIFIED_VILLAGE, "unit": tree.village_1.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert response.context["messages"]
    assert not Assessment.objects.exists()


def test_it_shows_a_village_operator_only_their_villages_assessments(
    login, tree, village_operator, round_2026
):
    other = _operator_of(tree.village_2, "village_2")
    do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    do_apply(other, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_2)
    page = login(village_operator).get(reverse("assessments:round", args=[round_2026.pk]))
    rows = page.context["rows"]
    assert [r.assessment.unit for r in rows] == [tree.village_1]


def test_it_flags_overdue_assessments_and_filters_them(
    login, tree, village_operator, county_officer, round_2026
):
    submitted(tree, round_2026, village_operator)
    round_title = RoundTitle.objects.get(round=round_2026, title=TitleKind.QUALIFIED_VILLAGE)
    StageDeadline.objects.create(
        round_title=round_title, stage=1, due=date.today() - timedelta(days=3)
    )
    other = _operator_of(tree.village_3, "village_3")
    do_apply(other, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_3)
    client = login(county_officer)
    url = reverse("assessments:round", args=[round_2026.pk])
    page = client.get(url)
    assert [r.overdue for r in page.context["rows"]] == [True, False]
    overdue = client.get(url, {"overdue": "on"}).context["rows"]
    assert [r.assessment.unit for r in overdue] == [tree.village_1]


def test_it_filters_the_overview_by_township(
    login, tree, village_operator, county_officer, round_2026
):
    other = _operator_of(tree.village_3, "village_3")
    do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    do_apply(other, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_3)
    response = login(county_officer).get(
        reverse("assessments:round", args=[round_2026.pk]), {"township": tree.township_2.pk}
    )
    assert [r.assessment.unit for r in response.context["rows"]] == [tree.village_3]
    counts = dict(response.context["counts"])
    assert counts[TitleKind.QUALIFIED_VILLAGE.label]["total"] == 2


def test_it_counts_applications_per_township(
    login, tree, village_operator, county_officer, round_2026
):
    other = _operator_of(tree.village_3, "village_3")
    do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    do_apply(village_operator, round_2026, TitleKind.FIRST_CLASS_VILLAGE, tree.village_1)
    do_apply(other, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_3)
    response = login(county_officer).get(reverse("assessments:round", args=[round_2026.pk]))
    counts = {t["name"]: (t["total"], t["open"]) for t in response.context["township_counts"]}
    assert counts == {tree.township_1.name: (2, 2), tree.township_2.name: (1, 1)}


def test_it_reads_the_overview_in_the_same_number_of_queries_however_many_apply(
    login, tree, village_operator, county_officer, round_2026, django_assert_max_num_queries
):
    do_apply(village_operator, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    client = login(county_officer)
    url = reverse("assessments:round", args=[round_2026.pk])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for unit, name in ((tree.village_2, "village_2"), (tree.village_3, "village_3")):
        do_apply(_operator_of(unit, name), round_2026, TitleKind.QUALIFIED_VILLAGE, unit)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)


def _round_of(year, county_officer, tree, qualified_standard):
    round_, _warnings = do_create_round(
        county_officer,
        tree.county_a,
        year=year,
        name=f"{year}年度评估",
        standards={TitleKind.QUALIFIED_VILLAGE: qualified_standard},
    )
    return round_


def test_it_shows_an_open_round_of_a_past_year_as_expired(
    login, tree, county_officer, qualified_standard
):
    past = _round_of(date.today().year - 2, county_officer, tree, qualified_standard)
    current = _round_of(date.today().year, county_officer, tree, qualified_standard)
    client = login(county_officer)
    rows = client.get(reverse("assessments:rounds")).content.decode().split("<tbody>")[1]
    past_row = next(r for r in rows.split("<tr>") if past.name in r)
    current_row = next(r for r in rows.split("<tr>") if current.name in r)
    assert '<td class="round-status">已过期（未结束）</td>' in past_row
    assert '<td class="round-status">进行中</td>' in current_row
    detail = client.get(reverse("assessments:round", args=[past.pk])).content.decode()
    assert 'id="round-status">已过期（未结束）<' in detail


def test_it_shows_a_closed_round_as_closed(login, tree, county_officer, qualified_standard):
    past = _round_of(date.today().year - 2, county_officer, tree, qualified_standard)
    do_close_round(county_officer, past)
    page = login(county_officer).get(reverse("assessments:round", args=[past.pk]))
    assert 'id="round-status">已结束<' in page.content.decode()
