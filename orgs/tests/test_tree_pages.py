from django.urls import reverse

from audit.models import AuditEvent
from orgs.models import OrgUnit


def test_it_redirects_a_township_officer_from_the_tree_to_their_township(
    login, township_officer, tree
):
    response = login(township_officer).get(reverse("orgs:tree"))
    assert response.status_code == 302
    assert response.url == reverse("orgs:unit", args=[tree.township_1.pk])


def test_it_shows_children_with_their_counts(login, county_officer, tree):
    response = login(county_officer).get(reverse("orgs:unit", args=[tree.township_1.pk]))
    assert response.status_code == 200
    rows = {child.name: numbers for child, numbers in response.context["rows"]}
    assert rows == {"李家村": [2], "王庄村": [0]}


def test_it_creates_a_village_and_records_the_event(login, township_officer, tree):
    client = login(township_officer)
    response = client.post(
        reverse("orgs:create", args=[tree.township_1.pk]),
        {
            "name": " 新 村 ",
            "category": "village",
            "division_code": "430121100203",
            "population": "900",
            "households": "300",
        },
    )
    unit = OrgUnit.objects.get(division_code="430121100203")
    assert response.url == reverse("orgs:unit", args=[unit.pk])
    assert unit.name == "新 村"
    assert unit.township_id == tree.township_1.pk and unit.village_id == unit.pk
    assert AuditEvent.objects.filter(action="orgs.unit.create", object_id=str(unit.pk)).exists()


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_it_reads_a_unit_page_in_the_same_number_of_queries_however_many_children(
    login, county_officer, tree
):
    from orgs.models import Category, Level
    from orgs.services import do_create_unit

    client = login(county_officer)
    url = reverse("orgs:unit", args=[tree.township_2.pk])
    few = _count_queries(client, url)
    for number in range(10):
        do_create_unit(
            None,
            parent=tree.township_2,
            name=f"新村{number}",
            level=Level.VILLAGE,
            category=Category.VILLAGE,
            division_code=f"4301212003{number:02d}",
        )
    assert _count_queries(client, url) == few


def test_it_finds_units_by_name_or_code_only_inside_the_subtree(login, township_officer, tree):
    client = login(township_officer)
    by_name = client.get(reverse("orgs:tree"), {"q": "村"})
    assert {u.name for u in by_name.context["page"]} == {"李家村", "王庄村"}
    by_code = client.get(reverse("orgs:tree"), {"q": "4301212"})
    assert list(by_code.context["page"]) == []


def test_it_answers_a_search_from_htmx_with_the_results_fragment(login, county_officer, tree):
    response = login(county_officer).get(
        reverse("orgs:tree"), {"q": "430121100"}, headers={"HX-Request": "true"}
    )
    assert [t.name for t in response.templates][0] == "orgs/_search_results.html"
    assert "<html" not in response.content.decode()
    assert {u.name for u in response.context["page"]} == {"青山镇", "李家村", "王庄村"}


def test_it_refuses_an_invalid_unit_form_with_messages_next_to_the_fields(
    login, township_officer, tree
):
    response = login(township_officer).post(
        reverse("orgs:create", args=[tree.township_1.pk]),
        {"name": "", "category": "village", "division_code": "12"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "name" in form.errors and "division_code" in form.errors
    assert "行政区划代码应为12位数字" in response.content.decode()


def test_it_asks_for_a_reason_before_retiring(login, township_officer, tree):
    client = login(township_officer)
    url = reverse("orgs:retire", args=[tree.village_1.pk])
    page = client.get(url)
    assert page.context["active_below"] == 2
    client.post(url, {"reason": ""})
    tree.village_1.refresh_from_db()
    assert tree.village_1.is_active
    client.post(url, {"reason": "撤村并居"})
    tree.village_1.refresh_from_db()
    assert not tree.village_1.is_active


def test_it_moves_a_village_to_the_chosen_township(login, county_officer, tree):
    client = login(county_officer)
    url = reverse("orgs:move", args=[tree.village_2.pk])
    choices = {u.name for u in client.get(url).context["form"].fields["new_parent"].queryset}
    assert choices == {"河口乡"}
    client.post(url, {"new_parent": tree.township_2.pk})
    tree.village_2.refresh_from_db()
    assert tree.village_2.parent_id == tree.township_2.pk


def test_it_names_migrant_groups_but_links_only_those_the_user_may_open(
    login, township_officer, county_officer, tree
):
    url = reverse("orgs:unit", args=[tree.village_1.pk])
    group_url = reverse("orgs:unit", args=[tree.branch_group.pk])
    as_township = login(township_officer).get(url).content.decode()
    assert "李家村进城小组" in as_township and group_url not in as_township
    as_county = login(county_officer).get(url).content.decode()
    assert group_url in as_county


def test_it_ignores_a_nul_character_in_a_search(login, county_officer, tree):
    response = login(county_officer).get(reverse("orgs:tree"), {"q": "李家\x00村"})
    assert response.status_code == 200
    assert {u.name for u in response.context["page"]} == {"李家村", "李家村进城小组"}
