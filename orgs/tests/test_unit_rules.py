"""The rules a unit must satisfy: levels, categories, codes, home villages, figures."""

import pytest
from django.core.exceptions import ValidationError

from orgs.models import Category, Level, OrgUnit
from orgs.services import do_create_unit


def _errors(**fields) -> dict:
    with pytest.raises(ValidationError) as caught:
        do_create_unit(None, **fields)
    return caught.value.message_dict


def test_it_refuses_a_village_code_that_is_not_twelve_digits(tree):
    errors = _errors(
        parent=tree.township_1,
        name="新村",
        level=Level.VILLAGE,
        category=Category.VILLAGE,
        division_code="43012110020",
    )
    assert errors["division_code"] == ["村(居)的行政区划代码应为12位数字。"]


def test_it_refuses_a_township_code_that_is_not_nine_digits(tree):
    errors = _errors(
        parent=tree.county_a,
        name="新镇",
        level=Level.TOWNSHIP,
        category=Category.TOWN,
        division_code="4301213",
    )
    assert "division_code" in errors


def test_it_refuses_a_duplicate_division_code_and_names_its_owner(tree):
    errors = _errors(
        parent=tree.township_2,
        name="新村",
        level=Level.VILLAGE,
        category=Category.VILLAGE,
        division_code=tree.village_1.division_code,
    )
    assert "李家村" in errors["division_code"][0]


def test_it_refuses_a_village_directly_under_a_county(tree):
    errors = _errors(
        parent=tree.county_a,
        name="新村",
        level=Level.VILLAGE,
        category=Category.VILLAGE,
        division_code="430121100299",
    )
    assert "parent" in errors


def test_it_refuses_a_category_of_another_level(tree):
    errors = _errors(
        parent=tree.township_1,
        name="新村",
        level=Level.VILLAGE,
        category=Category.STREET,
        division_code="430121100299",
    )
    assert "category" in errors


def test_it_lets_an_urban_branch_go_without_a_code(tree):
    unit = do_create_unit(
        None,
        parent=tree.county_a,
        name="第二城关分会",
        level=Level.TOWNSHIP,
        category=Category.URBAN_BRANCH,
    )
    assert unit.division_code is None


def test_it_requires_a_home_village_for_an_urban_branch_group(tree):
    errors = _errors(parent=tree.urban_branch, name="王庄进城小组", level=Level.GROUP)
    assert errors["home_village"] == ["城关分会的小组必须填写流出地村(居)。"]


def test_it_refuses_a_home_village_in_another_county(tree):
    errors = _errors(
        parent=tree.urban_branch, name="外县小组", level=Level.GROUP, home_village=tree.village_b
    )
    assert "home_village" in errors


def test_it_refuses_a_home_village_for_an_ordinary_group(tree):
    errors = _errors(
        parent=tree.village_2, name="第三小组", level=Level.GROUP, home_village=tree.village_1
    )
    assert "home_village" in errors


def test_it_refuses_a_group_directly_under_an_ordinary_township(tree):
    errors = _errors(parent=tree.township_1, name="小组", level=Level.GROUP)
    assert "parent" in errors


def test_it_refuses_more_households_than_people(tree):
    errors = _errors(
        parent=tree.township_1,
        name="新村",
        level=Level.VILLAGE,
        category=Category.VILLAGE,
        division_code="430121100299",
        population=100,
        households=101,
    )
    assert errors["households"] == ["户数不能超过人口数。"]


def test_it_refuses_a_second_active_unit_of_the_same_name_under_one_parent(tree):
    with pytest.raises(ValidationError):
        do_create_unit(None, parent=tree.village_1, name="第一小组", level=Level.GROUP)


def test_it_saves_nothing_when_a_rule_fails(tree):
    before = OrgUnit.objects.count()
    _errors(
        parent=tree.township_1,
        name="新村",
        level=Level.VILLAGE,
        category=Category.VILLAGE,
        division_code="bad",
    )
    assert OrgUnit.objects.count() == before


def test_it_refuses_a_village_under_an_urban_branch(tree):
    errors = _errors(
        parent=tree.urban_branch,
        name="新村",
        level=Level.VILLAGE,
        category=Category.VILLAGE,
        division_code="430121100299",
    )
    assert errors["parent"] == ["城关分会下直接设协会小组，不设村(居)。"]
