"""The org unit page links to the unit's registers, and every link opens."""

import re

import pytest
from django.urls import reverse


@pytest.mark.parametrize("unit_name", ["county_a", "township_1", "urban_branch", "village_1"])
def test_it_links_every_register_of_a_unit_and_each_link_opens(
    login, county_officer, tree, unit_name
):
    client = login(county_officer)
    unit = getattr(tree, unit_name)
    page = client.get(reverse("orgs:unit", args=[unit.pk])).content.decode()
    links = set(re.findall(r'href="(/registers/units/\d+/[a-z/]*)"', page))
    assert reverse("registers:member_list", args=[unit.pk]) in links
    for link in links:
        assert client.get(link).status_code == 200, link
