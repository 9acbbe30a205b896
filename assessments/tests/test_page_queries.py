"""Page speed: the heaviest pages run as many queries for a large subtree as for a small one (issue
14). Each page is counted for a county officer and a city reviewer on the base tree, then again
after the county has grown by two townships, each with two villages (a group, members and an
application waiting for review); the counts must not move. Counts, not timers."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import RoleKind
from accounts.services import do_grant_role
from assessments.tests.helpers import self_assess_and_submit
from orgs.models import Category, Level
from orgs.services import do_create_unit
from registers.services import do_create_member


def _grow(tree, round_, personas) -> None:
    for t in range(2):
        township = do_create_unit(
            None,
            parent=tree.county_a,
            name=f"新增镇{t}",
            level=Level.TOWNSHIP,
            category=Category.TOWN,
            division_code=f"43012190{t}",
        )
        for v in range(2):
            village = do_create_unit(
                None,
                parent=township,
                name=f"新增村{t}{v}",
                level=Level.VILLAGE,
                category=Category.VILLAGE,
                division_code=f"43012190{t}20{v}",
            )
            do_create_unit(None, parent=village, name="第一小组", level=Level.GROUP)
            for m in range(3):
                do_create_member(None, village, name=f"会员{t}{v}{m}", join_date=date(2024, 1, 1))
            do_grant_role(None, personas.village, village, RoleKind.VILLAGE_OPERATOR)
            self_assess_and_submit(personas, round_, village)
    for m in range(3):
        do_create_member(None, tree.village_1, name=f"李家会员{m}", join_date=date(2024, 1, 1))


def _pages(tree, assessment) -> dict[str, str]:
    return {
        "home": reverse("home"),
        "waiting list": reverse("assessments:waiting"),
        "assessment sheet": reverse("assessments:sheet", args=[assessment.pk]),
        "member list": reverse("registers:member_list", args=[tree.county_a.pk]),
        "dashboard": reverse("dashboards:unit", args=[tree.county_a.pk]),
        "tree": reverse("orgs:tree"),
        "unit page": reverse("orgs:unit", args=[tree.county_a.pk]),
    }


def _counts(client, pages: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, path in pages.items():
        client.get(path)  # the first visit fills per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code in (200, 302), (name, response.status_code)
        counts[name] = len(queries)
    return counts


@pytest.mark.parametrize("who", ["county", "city"])
def test_the_heavy_pages_run_as_many_queries_for_a_large_subtree_as_for_a_small_one(
    login, tree, round_2026, chain_personas, who
):
    assessment = self_assess_and_submit(chain_personas, round_2026, tree.village_1)
    do_create_member(None, tree.village_1, name="王建国", join_date=date(2020, 3, 1))
    client = login(getattr(chain_personas, who))
    pages = _pages(tree, assessment)
    small = _counts(client, pages)

    _grow(tree, round_2026, chain_personas)
    large = _counts(client, pages)

    grew = {name: (small[name], large[name]) for name in pages if large[name] != small[name]}
    assert not grew, f"queries (small, large) by page: {grew}"
