"""The campaign's figures through /api/v1/figures/: a unit's roll-ups, its children's, its trend,
its targets with the first-class base named, each child's outlook; scoped as the dashboards are
(issue 5: a township officer sees no other township's figures in any answer), and no 500 for
junk built from the schema."""

import json
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import AwardedTitle
from audit.models import AuditEvent, Result
from campaigns import rollups
from campaigns.models import Campaign, FirstClassBase
from orgs.models import Level
from orgs.services import do_create_unit
from standards.models import TitleKind

API = "/api/v1/figures"
YEAR = 2027


@pytest.fixture
def campaign(tree):
    return Campaign.objects.create(
        organiser=tree.county_a, name="三联创 2026—2030", first_year=2026, last_year=2030
    )


def _award(unit, title, year):
    AwardedTitle.objects.create(unit=unit, title=title, year=year, awarded_at=timezone.now())


@pytest.fixture
def titles(tree, campaign):
    """青山镇: 李家村 qualified in 2026, first-class in 2027, its two groups five-good;
    河口乡: 张湾村 qualified in 2027."""
    _award(tree.village_1, TitleKind.QUALIFIED_VILLAGE, 2026)
    _award(tree.village_1, TitleKind.FIRST_CLASS_VILLAGE, 2027)
    _award(tree.group_1, TitleKind.FIVE_GOOD_GROUP, 2026)
    _award(tree.group_2, TitleKind.FIVE_GOOD_GROUP, 2027)
    _award(tree.village_3, TitleKind.QUALIFIED_VILLAGE, 2027)
    rollups.rebuild()


def _denials(user):
    return AuditEvent.objects.filter(action="access.denied", actor=user, result=Result.DENIED)


def test_it_answers_a_units_figures_for_a_year(as_user, tree, titles, county_officer):
    body = as_user(county_officer).get(f"{API}/units/{tree.county_a.pk}", {"year": YEAR}).json()
    assert (body["unit_name"], body["year"]) == ("长沙县", YEAR)
    assert (body["villages"], body["qualified_villages"], body["first_class_villages"]) == (3, 1, 1)
    assert (body["groups"], body["five_good_groups"]) == (4, 2)
    assert body["five_good_rate"] == 0.5


def test_it_lists_the_childrens_figures(as_user, tree, titles, county_officer):
    rows = as_user(county_officer).get(f"{API}/units/{tree.county_a.pk}/children", {"year": YEAR})
    by_name = {row["unit_name"]: row for row in rows.json()["items"]}
    assert set(by_name) == {"青山镇", "河口乡", "城关分会"}
    assert by_name["青山镇"]["first_class_villages"] == 1
    assert by_name["河口乡"]["qualified_villages"] == 1


def test_it_answers_the_trend_over_the_campaigns_years(as_user, tree, titles, township_officer):
    body = as_user(township_officer).get(f"{API}/units/{tree.township_1.pk}/trend").json()
    assert body["campaign"]["id"] == Campaign.objects.get().pk
    assert [y["year"] for y in body["years"]] == [2025, 2026, 2027, 2028, 2029, 2030]
    assert [y["qualified_or_better"] for y in body["years"][:3]] == [0, 1, 1]
    assert [y["first_class_villages"] for y in body["years"][:3]] == [0, 0, 1]


def test_it_narrows_the_trend_to_the_years_asked(as_user, tree, titles, township_officer):
    body = (
        as_user(township_officer)
        .get(f"{API}/units/{tree.township_1.pk}/trend", {"first_year": 2026, "last_year": 2027})
        .json()
    )
    assert [y["year"] for y in body["years"]] == [2026, 2027]


def test_it_answers_targets_with_the_first_class_base_named(as_user, tree, titles, county_officer):
    body = (
        as_user(county_officer)
        .get(f"{API}/units/{tree.county_a.pk}/targets", {"year": YEAR})
        .json()
    )
    assert (body["first_class_base"], body["first_class_base_label"]) == (
        "all_villages",
        "of all villages",
    )
    rows = {a["indicator"]: a for a in body["attainments"]}
    assert set(rows) == {
        "five_good_groups",
        "qualified_villages",
        "first_class_villages",
        "advanced_townships",
    }
    first_class = rows["first_class_villages"]
    assert (first_class["numerator"], first_class["denominator"]) == (1, 3)
    assert (first_class["value"], first_class["target"], first_class["met"]) == (
        "33.3",
        "25.0",
        True,
    )
    qualified = rows["qualified_villages"]
    assert (qualified["value"], qualified["gap"], qualified["still_needed"]) == ("66.7", "13.3", 1)
    assert qualified["outlook"] in {"on_track", "at_risk", "off_track"}


def test_it_counts_the_first_class_share_of_the_base_the_campaign_sets(
    as_user, tree, titles, campaign, county_officer
):
    campaign.first_class_base = FirstClassBase.QUALIFIED_OR_BETTER
    campaign.save()
    body = (
        as_user(county_officer)
        .get(f"{API}/units/{tree.county_a.pk}/targets", {"year": YEAR})
        .json()
    )
    first_class = next(a for a in body["attainments"] if a["indicator"] == "first_class_villages")
    assert (first_class["denominator"], first_class["value"]) == (2, "50.0")
    assert first_class["base_label"] == "of villages qualified or better"


def test_it_keeps_the_year_within_the_campaign_as_the_dashboard_does(
    as_user, tree, titles, county_officer
):
    body = (
        as_user(county_officer)
        .get(f"{API}/units/{tree.county_a.pk}/targets", {"year": 2040})
        .json()
    )
    assert body["year"] == 2030


def test_it_answers_each_childs_outlook(as_user, tree, titles, county_officer):
    body = (
        as_user(county_officer)
        .get(f"{API}/units/{tree.county_a.pk}/outlook", {"year": YEAR})
        .json()
    )
    assert body["indicator"] == "qualified_villages"
    children = {c["unit_name"]: c for c in body["children"]}
    # 河口乡: its one village qualified (100 %); 青山镇: one of two (50 %).
    assert (children["河口乡"]["rank"], children["青山镇"]["rank"]) == (1, 2)
    assert children["青山镇"]["attainment"]["value"] == "50.0"
    assert children["青山镇"]["outlook"] in {"on_track", "at_risk", "off_track"}
    assert children["青山镇"]["outlook_label"] in {"On track", "At risk", "Off track"}
    five_good = (
        as_user(county_officer)
        .get(
            f"{API}/units/{tree.county_a.pk}/outlook",
            {"year": YEAR, "indicator": "five_good_groups"},
        )
        .json()
    )
    assert five_good["indicator"] == "five_good_groups"


def test_it_answers_empty_targets_without_a_campaign(as_user, tree, county_officer):
    body = as_user(county_officer).get(f"{API}/units/{tree.county_a.pk}/targets").json()
    assert (body["campaign"], body["attainments"]) == (None, [])


def test_it_reads_the_league_table_and_outlook_in_a_fixed_number_of_queries(
    as_user, tree, titles, county_officer
):
    client = as_user(county_officer)

    def counted(path):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, {"year": YEAR}).status_code == 200
        return len(queries)

    paths = [f"{API}/units/{tree.county_a.pk}/{what}" for what in ("children", "outlook")]
    before = [counted(path) for path in paths]
    for n in range(3):
        township = do_create_unit(
            None,
            parent=tree.county_a,
            name=f"新镇{n}",
            level=Level.TOWNSHIP,
            category="town",
            division_code=f"43012130{n}",
        )
        do_create_unit(
            None,
            parent=township,
            name="新村",
            level=Level.VILLAGE,
            category="village",
            division_code=f"43012130{n}201",
        )
    assert [counted(path) for path in paths] == before


# Access (issue 5)


ENDPOINTS = ["", "/children", "/trend", "/targets", "/outlook"]


def test_it_shows_a_township_officer_no_other_townships_figures(
    as_user, tree, titles, township_officer
):
    client = as_user(township_officer)
    for suffix in ENDPOINTS:
        own = client.get(f"{API}/units/{tree.township_1.pk}{suffix}", {"year": YEAR})
        assert own.status_code == 200, suffix
        # Nothing of 河口乡 or its village in any answer about the officer's own township.
        assert "河口乡" not in own.content.decode() and "张湾村" not in own.content.decode()
        for unit in (tree.township_2, tree.village_3, tree.county_a, tree.city):
            response = client.get(f"{API}/units/{unit.pk}{suffix}", {"year": YEAR})
            assert response.status_code == 404, (suffix, unit.name)
            assert response.json() == {"detail": "Not found."}
    assert _denials(township_officer).filter(after__reason="not_found").count() == 20


def test_it_lists_only_the_townships_own_villages(as_user, tree, titles, township_officer):
    rows = (
        as_user(township_officer)
        .get(f"{API}/units/{tree.township_1.pk}/children", {"year": YEAR})
        .json()["items"]
    )
    assert {row["unit_name"] for row in rows} == {"李家村", "王庄村"}


def test_it_answers_404_to_an_outsider(as_user, tree, titles, outsider):
    client = as_user(outsider)
    for suffix in ENDPOINTS:
        assert client.get(f"{API}/units/{tree.village_1.pk}{suffix}").status_code == 404


def test_it_lets_a_village_operator_read_only_their_village(
    as_user, tree, titles, village_operator
):
    client = as_user(village_operator)
    mine = client.get(f"{API}/units/{tree.village_1.pk}", {"year": YEAR}).json()
    assert mine["first_class_villages"] == 1
    assert client.get(f"{API}/units/{tree.township_1.pk}").status_code == 404


def test_it_answers_401_without_credentials(tree):
    assert Client().get(f"{API}/units/{tree.county_a.pk}").status_code == 401


def test_it_refuses_a_year_out_of_range_with_422(as_user, tree, county_officer):
    response = as_user(county_officer).get(f"{API}/units/{tree.county_a.pk}", {"year": 1999})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["year"]


# Junk


JUNK = [None, True, 0, -1, 2**31, 2**63, 10**30, 1.5, "", "x", "\x00", "四" * 1000, [], {}]
JUNK_IDS = ["1", "0", "-1", str(2**63), "x", "1.5"]


def test_it_never_answers_500_to_junk_built_from_its_own_schema(
    as_user, tree, titles, county_officer
):
    client = as_user(county_officer)
    client.raise_request_exception = False
    schema = Client().get("/api/v1/openapi.json").json()
    seen = 0
    for template, operations in schema["paths"].items():
        if not template.startswith(API):
            continue
        for method, operation in operations.items():
            query_params = [
                p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
            ]
            for unit_id in [*JUNK_IDS, str(tree.township_1.pk)]:
                path = template.replace("{unit_id}", unit_id)
                requests = [{}] + [
                    {name: "" if junk is None else junk} for name in query_params for junk in JUNK
                ]
                for query in requests:
                    url = f"{path}?{urlencode(query, doseq=True)}" if query else path
                    response = getattr(client, method)(url)
                    seen += 1
                    assert response.status_code < 500, (method, url, response.content[:300])
                    if response.status_code >= 400:
                        assert "detail" in json.loads(response.content), (method, url)
    assert seen > 300
