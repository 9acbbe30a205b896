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
