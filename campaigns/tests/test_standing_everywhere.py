"""Every consumer of "who holds which title in a year" gives the same figure for the same unit and
year: roll-ups, dashboards, the survey's and plan's standings, item metrics (item 11 and the
village shares), the progress report and the API (one rule: assessments/standing.py)."""

from django.utils import timezone

from assessments.carried import do_carry_in_title
from assessments.services import do_revoke_title
from campaigns import rollups, services
from campaigns.models import Campaign
from campaigns.tests.test_rollups import award, close_round
from dashboards import board, selectors
from reports import progress
from standards import metrics
from standards.models import TitleKind

YEAR = 2025


def _history(tree, officer):
    """李家村 qualified in 2024, not re-rated in 2025 (lapses when 2025 closes); 王庄村 carried in
    from 双创 (2019) and re-rated in 2025; 张湾村 qualified in 2023, its 2025 title revoked after
    the spot check; of 李家村's three groups, one five-good in 2024 (lapses) and one in 2025."""
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2024)
    do_carry_in_title(officer, tree.village_2, title=TitleKind.QUALIFIED_VILLAGE, year=2019)
    award(tree.village_2, TitleKind.QUALIFIED_VILLAGE, YEAR)
    award(tree.village_3, TitleKind.QUALIFIED_VILLAGE, 2023)
    newest = award(tree.village_3, TitleKind.QUALIFIED_VILLAGE, YEAR)
    do_revoke_title(officer, newest, cause="spot_check", reason="抽查不合格")
    award(tree.group_1, TitleKind.FIVE_GOOD_GROUP, 2024)
    award(tree.group_2, TitleKind.FIVE_GOOD_GROUP, YEAR)
    close_round(tree.county_a, YEAR)


def test_it_gives_the_same_figures_in_every_consumer(tree, county_officer, as_user):
    _history(tree, county_officer)
    villages = [tree.village_1, tree.village_2, tree.village_3]
    campaign = Campaign.objects.create(
        organiser=tree.county_a, name="三联创", first_year=YEAR, last_year=YEAR + 4
    )

    figures = rollups.figures(tree.county_a, YEAR)
    assert (figures.qualified_or_better, figures.five_good_groups) == (1, 1)
    assert rollups.verify() == []

    stood = services.standings(villages, YEAR)
    assert [v for v in villages if stood[v.pk] != "none"] == [tree.village_2]

    held = selectors.standing.village_standings([v.pk for v in villages], [YEAR])
    assert [v for v in villages if held.get(v.pk, {}).get(YEAR)] == [tree.village_2]

    assert metrics._village_share(tree.county_a, YEAR, ["qualified_village"])[0] == 1
    # Item 11 counts 李家村's groups with its urban-branch group (rated with its home village):
    # the same one five-good group, of three.
    value, text = metrics.five_good_share(tree.village_1, YEAR)
    assert str(value) == "33.3" and "1 个" in text

    dashboard = board.build(tree.county_a, YEAR, campaign)
    assert sum(row.counts.qualified_villages for row in dashboard.children) == 1

    report = progress.build(tree.county_a, YEAR, campaign)
    townships = next(table for table in report.levels if table.rows)
    assert sum(row.figures.qualified_or_better for row in townships.rows) == 1

    body = (
        as_user(county_officer)
        .get(f"/api/v1/figures/units/{tree.county_a.pk}", {"year": YEAR})
        .json()
    )
    assert (body["qualified_villages"] + body["first_class_villages"]) == 1
    assert body["five_good_groups"] == 1


def test_it_counts_last_years_title_while_this_years_rating_is_open(tree, county_officer):
    award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2024)
    assert rollups.figures(tree.county_a, YEAR).qualified_or_better == 1
    assert services.standings([tree.village_1], YEAR)[tree.village_1.pk] == "qualified"
    close_round(tree.county_a, YEAR)
    assert rollups.figures(tree.county_a, YEAR).qualified_or_better == 0
    assert services.standings([tree.village_1], YEAR)[tree.village_1.pk] == "none"
    assert timezone.localdate().year >= YEAR
