"""The shipped examples carry no veto for births outside the policy and no 双查 line (they no longer
fit current policy), every replacement is marked 示例，待本地确认, and a database installed with the
old wording has its unpinned shipped examples brought in line."""

import importlib

import pytest
from django.apps import apps

from standards.defaults import shipped_standards
from standards.models import Item, Section

migration = importlib.import_module("standards.migrations.0005_shipped_examples_without_birth_veto")
OLD_WORDS = ("双查", "政策外生育", "计划外生育")


def _items(standard):
    return Item.objects.filter(section__standard=standard)


@pytest.mark.parametrize("title", ["qualified_village", "first_class_village", "five_good_group"])
def test_no_shipped_example_keeps_a_birth_veto_or_double_check(db, title):
    items = _items(shipped_standards()[title])
    assert not items.filter(is_veto=True).exists()
    assert not [i.text for i in items if any(word in i.text for word in OLD_WORDS)]


@pytest.mark.parametrize(
    ("title", "number"), [("qualified_village", "9"), ("five_good_group", "5")]
)
def test_the_replacement_item_is_marked_as_an_assumption(db, title, number):
    item = _items(shipped_standards()[title]).get(number=number)
    assert item.is_assumption and "待本地确认" in item.guidance


def test_the_migration_rewords_an_old_install_and_drops_its_veto(db):
    standard = shipped_standards()["qualified_village"]
    _items(standard).filter(number="9").update(text="小组内无计划外生育，双查到位率100%")
    section = Section.objects.filter(standard=standard).first()
    Item.objects.create(
        section=section,
        position=99,
        number="否1",
        text="本年度有政策外生育",
        points=0,
        is_veto=True,
    )
    migration.update_shipped_examples(apps, None)
    assert not _items(standard).filter(is_veto=True).exists()
    assert "双查" not in _items(standard).get(number="9").text
