"""Groups are listed by their number (第一、第二…第十二), not by character code."""

import pytest

from orgs.models import Level, OrgUnit
from orgs.selectors import in_number_order, number_in_name


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("第一小组", 1),
        ("第七小组", 7),
        ("第十小组", 10),
        ("第十二小组", 12),
        ("第二十三组", 23),
        ("3组", 3),
        ("城关进城小组", None),
    ],
)
def test_it_reads_the_number_in_a_group_name(name, number):
    assert number_in_name(name) == number


@pytest.mark.django_db
def test_it_orders_a_village_s_groups_by_number(tree):
    for name in ("第七小组", "第三小组", "第十二小组", "第二小组"):
        OrgUnit.objects.create(
            name=name, parent=tree.village_2, level=Level.GROUP, category=tree.group_3.category
        )
    groups = OrgUnit.objects.filter(parent=tree.village_2, level=Level.GROUP).order_by("name")
    names = [g.name for g in in_number_order(groups)]
    assert names.index("第二小组") < names.index("第三小组") < names.index("第七小组")
    assert names.index("第七小组") < names.index("第十二小组")
