"""“Which units are behind”: every subordinate unit on every indicator in one table, the units
off track on any indicator in one list, and a single village's standing as a status, not
“100.0% (1/1) 差距 80.0”."""

import pytest

from dashboards.tests.test_unit_dashboard import YEAR, campaign, dashboard, titles  # noqa: F401

pytestmark = pytest.mark.django_db


def test_it_shows_every_township_on_every_indicator(login, county_officer, tree, titles):  # noqa: F811
    page = dashboard(login(county_officer), tree.county_a, year=YEAR)
    board = page.context["b"]
    names = {row.unit.name for row in board.matrix}
    assert {tree.township_1.name, tree.township_2.name} <= names
    assert all(len(row.cells) == 3 for row in board.matrix)
    html = page.content.decode().split('id="indicator-matrix"')[1].split("</section>")[0]
    for label in board.matrix_indicators:
        assert label in html


def test_it_lists_the_units_off_track_on_any_indicator(login, county_officer, tree, titles):  # noqa: F811
    board = dashboard(login(county_officer), tree.county_a, year=YEAR).context["b"]
    behind = {row.unit.pk for row in board.behind}
    expected = {
        row.unit.pk
        for row in board.matrix
        if any(c.outlook is not None and c.outlook == "off_track" for c in row.cells)
    }
    assert behind == expected
    assert tree.township_2.pk in behind  # 河口乡 has nothing yet


def test_it_gives_a_village_its_status_not_a_share(login, township_officer, tree, titles):  # noqa: F811
    board = dashboard(login(township_officer), tree.township_1, year=YEAR).context["b"]
    village = next(row for row in board.matrix if row.unit == tree.village_1)
    statuses = [c.status for c in village.cells]
    assert statuses[0] == ""  # five-good groups: a real share of the village's groups
    assert statuses[1:] == ["一流", "一流"]
    assert all(c.outlook is None for c in village.cells[1:])
