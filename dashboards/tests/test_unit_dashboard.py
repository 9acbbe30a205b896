"""The dashboard of a unit: targets, league table, projection, trend, plan against actual,
access and a query count that does not grow with the tree."""

import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.services import do_create_user
from assessments.models import AwardedTitle
from audit.models import AuditEvent
from campaigns import rollups
from campaigns.models import (
    Campaign,
    CreationPlan,
    FirstClassBase,
    PlanEntry,
    PlanStatus,
    PlanVersion,
    TownshipTarget,
)
from campaigns.targets import BASE_LABELS, INDICATOR_LABELS, QUALIFIED, QUALIFIED_OR_BETTER
from dashboards.projections import Outlook
from orgs.models import Category, Level
from orgs.services import do_create_unit
from standards.models import TitleKind

YEAR = 2027


@pytest.fixture
def campaign(tree):
    return Campaign.objects.create(
        organiser=tree.county_a, name="三联创 2026—2030", first_year=2026, last_year=2030
    )


def award(unit, title: str, year: int) -> AwardedTitle:
    return AwardedTitle.objects.create(unit=unit, title=title, year=year, awarded_at=timezone.now())


@pytest.fixture
def titles(tree, campaign):
    """青山镇: 李家村 qualified in 2026 and first-class in 2027, its two groups five-good;
    河口乡: nothing. The stored figures rebuilt from these rows."""
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2026)
    award(tree.village_1, TitleKind.FIRST_CLASS_VILLAGE, 2027)
    award(tree.group_1, TitleKind.FIVE_GOOD_GROUP, 2026)
    award(tree.group_2, TitleKind.FIVE_GOOD_GROUP, 2027)
    rollups.rebuild()


def dashboard(client, unit, **params):
    return client.get(reverse("dashboards:unit", args=[unit.pk]), params)


def specs(response) -> dict[str, dict]:
    found = re.findall(
        r'<script id="(chart-[a-z]+-spec)" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return {key: json.loads(text) for key, text in found}


def main_of(response) -> str:
    html = response.content.decode()
    return html[html.index("<main>") : html.index("</main>")]


def test_it_shows_each_target_attained_against_target(login, county_officer, tree, titles):
    response = dashboard(login(county_officer), tree.county_a, year=YEAR)
    assert response.status_code == 200
    by_indicator = {a.indicator: a for a in response.context["board"].attainments}
    qualified = by_indicator[QUALIFIED]
    # 3 villages in the county (王庄村, 李家村, 张湾村); 李家村 first-class counts as qualified.
    assert (qualified.numerator, qualified.denominator) == (1, 3)
    assert (qualified.value, qualified.target, qualified.gap) == (
        Decimal("33.3"),
        Decimal("80"),
        Decimal("46.7"),
    )
    assert "33.3%" in main_of(response)


def test_it_says_the_first_class_base_next_to_the_figure(login, county_officer, tree, campaign):
    campaign.first_class_base = FirstClassBase.QUALIFIED_OR_BETTER
    campaign.save()
    response = dashboard(login(county_officer), tree.county_a)
    with translation.override("zh-hans"):
        assert str(BASE_LABELS[QUALIFIED_OR_BETTER]) in main_of(response)


def test_it_ranks_the_children_with_links_to_their_dashboards(login, county_officer, tree, titles):
    response = dashboard(login(county_officer), tree.county_a, year=YEAR)
    rows = response.context["board"].children
    assert [r.unit for r in rows][:1] == [tree.township_1]
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    league = specs(response)["chart-league-spec"]
    assert league["categories"][0] == tree.township_1.name
    assert league["links"][0] == reverse("dashboards:unit", args=[tree.township_1.pk]) + (
        f"?year={YEAR}"
    )
    assert f'href="{league["links"][0]}"' in main_of(response)


def test_it_bands_each_child_by_its_outlook(login, county_officer, tree, titles):
    response = dashboard(login(county_officer), tree.county_a, year=2026)
    by_unit = {r.unit: r for r in response.context["board"].children}
    # 青山镇 went from 0 to 1 of 2 villages in the first year; 80% of 2 needs 2: on track.
    assert by_unit[tree.township_1].outlook == Outlook.ON_TRACK
    # 河口乡 has not moved: off track.
    assert by_unit[tree.township_2].outlook == Outlook.OFF_TRACK
    assert 'class="band-off_track"' in main_of(response)
    league = specs(response)["chart-league-spec"]["series"][0]
    index = specs(response)["chart-league-spec"]["categories"].index(tree.township_2.name)
    assert league["hatched"][index] is True
    assert league["colors"][index] == "#D55E00"


def test_it_gives_the_yearly_increase_each_child_still_needs(login, county_officer, tree, titles):
    response = dashboard(login(county_officer), tree.county_a, year=YEAR)
    by_unit = {r.unit: r for r in response.context["board"].children}
    projection = by_unit[tree.township_2].projection
    # 河口乡: 1 village, needs 1 qualified by 2030, three years left.
    assert (projection.years_left, round(projection.needed_per_year, 3)) == (3, 0.333)


def test_it_uses_a_townships_own_targets(login, county_officer, tree, titles, campaign):
    TownshipTarget.objects.create(
        campaign=campaign, township=tree.township_1, qualified_share=Decimal("100")
    )
    response = dashboard(login(county_officer), tree.county_a, year=YEAR)
    by_unit = {r.unit: r for r in response.context["board"].children}
    assert by_unit[tree.township_1].attainment.target == Decimal("100")
    assert by_unit[tree.township_2].attainment.target == Decimal("80")


def test_it_draws_the_trend_over_the_campaigns_years(login, county_officer, tree, titles):
    response = dashboard(login(county_officer), tree.village_1, year=YEAR)
    trend = specs(response)["chart-trend-spec"]
    assert trend["categories"] == ["2025", "2026", "2027", "2028", "2029", "2030"]
    five_good, *_, at_pace = trend["series"]
    assert five_good["data"] == [0, 50, 100, None, None, None]
    assert five_good["target"]["value"] == 50
    assert (at_pace["dashed"], at_pace["data"]) == (True, [None, None, 100, 100, 100, 100])


def test_it_projects_the_unit_itself(login, county_officer, tree, titles, campaign):
    campaign.last_year, campaign.qualified_share = 2029, Decimal("100")
    campaign.save()
    award(tree.village_2, TitleKind.QUALIFIED_VILLAGE, 2028)
    rollups.rebuild()
    response = dashboard(login(county_officer), tree.county_a, year=2028)
    row = next(
        r for r in response.context["board"].target_rows if r.attainment.indicator == QUALIFIED
    )
    # 1 of 3 villages in 2026, 2 in 2028: 2.5 by 2029 at that pace, 3 needed: at risk.
    assert (row.projection.pace, row.projection.projected, row.projection.target) == (0.5, 2.5, 3)
    assert row.outlook == Outlook.AT_RISK
    assert row.projected_share == Decimal("66.7")


def test_it_measures_the_first_years_pace_from_the_baseline(login, county_officer, tree, titles):
    response = dashboard(login(county_officer), tree.county_a, year=2026)
    assert response.context["board"].pace_from == 2025
    assert (
        dashboard(login(county_officer), tree.county_a, year=2027).context["board"].pace_from
        == 2026
    )


def approved_plan(campaign, township, years: dict) -> None:
    plan = CreationPlan.objects.create(
        campaign=campaign, township=township, status=PlanStatus.APPROVED
    )
    version = PlanVersion.objects.create(
        plan=plan, number=1, status=PlanStatus.APPROVED, submitted_at=timezone.now()
    )
    for village, year in years.items():
        PlanEntry.objects.create(plan=plan, version=version, village=village, qualified_year=year)


def test_it_shows_plan_against_actual(login, county_officer, tree, titles, campaign):
    approved_plan(campaign, tree.township_1, {tree.village_1: 2026, tree.village_2: 2028})
    response = dashboard(login(county_officer), tree.county_a, year=YEAR)
    plan_rows = {p.year: p for p in response.context["board"].plan}
    assert plan_rows[2026].planned.qualified_or_better == 1
    assert plan_rows[2028].planned.qualified_or_better == 2
    assert plan_rows[2027].actual.qualified_or_better == 1
    assert plan_rows[2028].actual is None
    assert "chart-plan-spec" in specs(response)


def test_it_flags_a_child_behind_its_plan(login, county_officer, tree, titles, campaign):
    approved_plan(campaign, tree.township_1, {tree.village_1: 2026, tree.village_2: 2027})
    response = dashboard(login(county_officer), tree.county_a, year=YEAR)
    by_unit = {r.unit: r for r in response.context["board"].children}
    township = by_unit[tree.township_1]
    assert (township.planned.qualified_or_better, township.planned_actual.qualified_or_better) == (
        2,
        1,
    )
    assert township.behind_plan
    assert by_unit[tree.township_2].planned is None


def test_it_compares_a_plan_with_its_own_villages_only(
    login, county_officer, tree, titles, campaign
):
    # Only 王庄村 is in the plan; 李家村's titles must not count towards it.
    approved_plan(campaign, tree.township_1, {tree.village_2: 2026})
    response = dashboard(login(county_officer), tree.county_a, year=YEAR)
    plan = {p.year: p for p in response.context["board"].plan}
    assert (plan[2026].planned.qualified_or_better, plan[2026].actual.qualified_or_better) == (1, 0)
    township = next(r for r in response.context["board"].children if r.unit == tree.township_1)
    assert township.behind_plan


def test_it_gives_each_village_its_planned_years(login, county_officer, tree, titles, campaign):
    approved_plan(campaign, tree.township_1, {tree.village_1: 2026, tree.village_2: 2029})
    response = dashboard(login(county_officer), tree.township_1, year=YEAR)
    by_unit = {r.unit: r for r in response.context["board"].children}
    assert by_unit[tree.village_2].plan_row.qualified_year == 2029
    assert not by_unit[tree.village_2].behind_plan
    assert not by_unit[tree.village_1].behind_plan


def test_it_keeps_other_townships_plans_from_a_township_officer(
    login, township_officer, tree, titles, campaign
):
    approved_plan(campaign, tree.township_1, {tree.village_1: 2026, tree.village_2: 2028})
    approved_plan(campaign, tree.township_2, {tree.village_3: 2027})
    response = dashboard(login(township_officer), tree.township_1, year=YEAR)
    assert {p.planned.villages for p in response.context["board"].plan} == {2}
    assert tree.village_3.name not in response.content.decode()


def test_it_reads_a_villages_own_line_of_its_plan(login, county_officer, tree, titles, campaign):
    approved_plan(campaign, tree.township_1, {tree.village_1: 2026, tree.village_2: 2028})
    response = dashboard(login(county_officer), tree.village_2, year=YEAR)
    plan = {p.year: p for p in response.context["board"].plan}
    assert (plan[2028].planned.villages, plan[2028].planned.qualified_or_better) == (1, 1)
    assert plan[2027].actual.qualified_or_better == 0


def test_it_leaves_out_plans_not_approved(login, county_officer, tree, titles, campaign):
    plan = CreationPlan.objects.create(campaign=campaign, township=tree.township_1)
    PlanEntry.objects.create(plan=plan, village=tree.village_1, qualified_year=2026)
    response = dashboard(login(county_officer), tree.county_a, year=YEAR)
    assert response.context["board"].plan == []


def test_it_drills_down_to_a_group(login, county_officer, tree, titles):
    client = login(county_officer)
    village = dashboard(client, tree.village_1, year=YEAR)
    assert [r.unit for r in village.context["board"].children] == [tree.group_1, tree.group_2]
    group = dashboard(client, tree.group_1, year=YEAR)
    assert group.status_code == 200
    assert group.context["board"].children == []


def test_it_embeds_a_download_button_and_the_labels_for_every_chart(
    login, county_officer, tree, titles
):
    response = dashboard(login(county_officer), tree.county_a, year=YEAR)
    html = main_of(response)
    found = specs(response)
    assert set(found) == {
        "chart-targets-spec",
        "chart-league-spec",
        "chart-projection-spec",
        "chart-trend-spec",
    }
    assert html.count("data-chart-download") == len(found)
    with translation.override("zh-hans"):
        assert found["chart-league-spec"]["series"][0]["name"] == str(INDICATOR_LABELS[QUALIFIED])


def test_it_frames_a_city_by_the_campaign_below_it(login, city_reviewer, tree, titles, campaign):
    response = dashboard(login(city_reviewer), tree.city, year=YEAR)
    assert response.context["campaign"] == campaign
    assert [r.unit for r in response.context["board"].children] == [tree.county_a, tree.county_b]


def test_it_keeps_the_year_within_the_campaign(login, county_officer, tree, campaign):
    client = login(county_officer)
    assert dashboard(client, tree.county_a, year=1990).context["year"] == 2025
    assert dashboard(client, tree.county_a, year=2099).context["year"] == 2030
    assert dashboard(client, tree.county_a, year="x").status_code == 200


def test_it_says_when_no_campaign_covers_the_unit(login, outsider, tree, campaign):
    response = dashboard(login(outsider), tree.county_b)
    assert response.status_code == 200
    assert response.context["campaign"] is None
    assert "board" not in response.context


def test_it_is_in_the_main_navigation(login, leader, tree, campaign):
    response = dashboard(login(leader), tree.county_a)
    link = f'<a href="{reverse("dashboards:home")}" aria-current="page">'
    assert link in response.content.decode()


def test_it_opens_the_users_own_unit(login, township_officer, tree):
    response = login(township_officer).get(reverse("dashboards:home"))
    assert response.url == reverse("dashboards:unit", args=[tree.township_1.pk])


def test_it_tells_a_user_without_roles_there_is_nothing_to_show(login, db):
    nobody = do_create_user(None, username="nobody", password="correct-horse-battery-staple")
    response = login(nobody).get(reverse("dashboards:home"))
    assert response.status_code == 200
    assert "board" not in response.context


def test_it_answers_404_outside_the_subtree_and_records_it(login, outsider, tree, campaign):
    response = dashboard(login(outsider), tree.county_a)
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor_id=outsider.pk).exists()


def test_it_keeps_the_county_from_a_township_officer(login, township_officer, tree, campaign):
    assert dashboard(login(township_officer), tree.county_a).status_code == 404


def test_it_shows_a_township_officer_no_other_township(login, township_officer, tree, titles):
    client = login(township_officer)
    response = dashboard(client, tree.township_1, year=YEAR)
    assert response.status_code == 200
    html = response.content.decode()
    for other in (tree.township_2, tree.village_3, tree.urban_branch, tree.county_b):
        assert other.name not in html
    assert dashboard(client, tree.village_3).status_code == 404


def test_it_shows_a_village_operator_their_village_and_its_groups(
    login, village_operator, tree, titles
):
    client = login(village_operator)
    response = dashboard(client, tree.village_1, year=YEAR)
    assert [r.unit for r in response.context["board"].children] == [tree.group_1, tree.group_2]
    assert tree.village_2.name not in response.content.decode()
    assert dashboard(client, tree.village_2).status_code == 404
    assert dashboard(client, tree.township_1).status_code == 404


def test_it_lets_a_leader_read_without_anything_to_change(login, leader, tree, titles):
    response = dashboard(login(leader), tree.county_a, year=YEAR)
    assert response.status_code == 200
    html = main_of(response)
    assert 'method="post"' not in html
    assert "/edit/" not in html


def test_it_only_reads(login, county_officer, tree, campaign):
    url = reverse("dashboards:unit", args=[tree.county_a.pk])
    assert login(county_officer).post(url).status_code == 405


def _grow(tree, townships: int, villages: int, groups: int) -> None:
    for t in range(townships):
        township = do_create_unit(
            None,
            parent=tree.county_a,
            name=f"新镇{t}",
            level=Level.TOWNSHIP,
            category=Category.TOWN,
            division_code=f"430121{300 + t}",
        )
        for v in range(villages):
            village = do_create_unit(
                None,
                parent=township,
                name=f"新村{v}",
                level=Level.VILLAGE,
                category=Category.VILLAGE,
                division_code=f"430121{300 + t}{200 + v}",
            )
            for g in range(groups):
                group = do_create_unit(None, parent=village, name=f"小组{g}", level=Level.GROUP)
                if g == 0:
                    award(group, TitleKind.FIVE_GOOD_GROUP, 2026)
            award(village, TitleKind.QUALIFIED_VILLAGE, 2026)


@pytest.mark.parametrize("unit_name", ["city", "county_a", "township_1", "village_1"])
def test_it_runs_as_many_queries_for_a_larger_tree(
    login, administrator, tree, titles, campaign, django_assert_num_queries, unit_name
):
    client = login(administrator)
    approved_plan(campaign, tree.township_1, {tree.village_1: 2026, tree.village_2: 2028})
    unit = getattr(tree, unit_name)
    dashboard(client, unit, year=YEAR)  # warm the session and the user's roles
    with CaptureQueriesContext(connection) as small:
        dashboard(client, unit, year=YEAR)
    _grow(tree, townships=3, villages=3, groups=3)
    for village in (tree.village_1, tree.village_2):
        for g in range(4):
            do_create_unit(None, parent=village, name=f"加组{g}", level=Level.GROUP)
    do_create_unit(
        None,
        parent=tree.township_1,
        name="加村",
        level=Level.VILLAGE,
        category=Category.VILLAGE,
        division_code="430121100299",
    )
    do_create_unit(None, parent=tree.city, name="新县", level=Level.COUNTY, division_code="430199")
    rollups.rebuild()
    with django_assert_num_queries(len(small.captured_queries)):
        response = dashboard(client, unit, year=YEAR)
    assert len(response.context["board"].children) > 0


def test_it_is_linked_from_the_unit_page(tree, county_officer, login):
    page = login(county_officer).get(reverse("orgs:unit", args=[tree.township_1.pk]))
    assert reverse("dashboards:unit", args=[tree.township_1.pk]) in page.content.decode()
