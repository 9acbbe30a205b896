"""Editing standards through the services: copies, edits, the frozen rule, confirmation, audit."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments.services import do_create_round
from audit.models import AuditEvent
from orgs.models import Level
from standards import services
from standards.defaults import shipped_standards
from standards.models import Item, StageKind, TitleKind


@pytest.fixture
def example():
    return shipped_standards()[TitleKind.QUALIFIED_VILLAGE]


@pytest.fixture
def own(tree, county_officer, example):
    """The county's own copy of the qualified-village example."""
    return services.do_copy_standard(county_officer, example, unit=tree.county_a)


def test_it_copies_everything_to_a_new_version_kept_by_the_county(tree, own, example):
    assert own.version == 1 and own.based_on == example and own.unit == tree.county_a
    assert own.is_example and own.pass_rule_is_assumption
    assert own.total_points == example.total_points
    assert [s.kind for s in own.ordered_stages()] == [s.kind for s in example.ordered_stages()]
    assert Item.objects.filter(section__standard=own, is_assumption=True).count() == 4
    assert AuditEvent.objects.filter(action="standards.standard.copy", object_id=str(own.pk))


def test_it_edits_the_pass_rule_and_prerequisite_with_one_event(county_officer, own):
    services.do_update_standard(
        county_officer, own, pass_total="85", prerequisite="", prerequisite_same_round=False
    )
    own.refresh_from_db()
    assert own.pass_total == Decimal("85") and not own.prerequisite_same_round
    event = AuditEvent.objects.get(action="standards.standard.update")
    assert event.before == {"pass_total": "80.0", "prerequisite_same_round": True}


def test_it_refuses_a_minimum_above_the_total_and_an_own_prerequisite(county_officer, own):
    with pytest.raises(ValidationError) as error:
        services.do_update_standard(
            county_officer, own, pass_total="101", prerequisite="qualified_village"
        )
    assert set(error.value.message_dict) == {"pass_total", "prerequisite"}


def test_it_refuses_every_edit_of_a_version_a_round_uses(tree, county_officer, own):
    """A pinned version is frozen, so a past round's results never change; a copy is free."""
    do_create_round(
        county_officer,
        tree.county_a,
        year=2026,
        name="2026年度评估",
        standards={TitleKind.QUALIFIED_VILLAGE: own},
    )
    section = own.sections.first()
    item = section.items.first()
    stage = own.stages.first()
    attempts = [
        lambda: services.do_update_standard(county_officer, own, name="改"),
        lambda: services.do_add_section(county_officer, own, name="新", points=1),
        lambda: services.do_update_section(county_officer, section, points=30),
        lambda: services.do_delete_section(county_officer, section),
        lambda: services.do_add_item(county_officer, section, number="99", text="新", points=1),
        lambda: services.do_update_item(county_officer, item, points=4),
        lambda: services.do_delete_item(county_officer, item),
        lambda: services.do_add_stage(county_officer, own, kind="decision", level=Level.CITY),
        lambda: services.do_update_stage(county_officer, stage, is_spot_check=True),
        lambda: services.do_delete_stage(county_officer, stage),
        lambda: services.do_move(county_officer, section, 1),
    ]
    for attempt in attempts:
        with pytest.raises(services.FrozenError, match="复制"):
            attempt()
    copy = services.do_copy_standard(county_officer, own, unit=tree.county_a)
    services.do_update_section(county_officer, copy.sections.first(), name="组织建设")
    assert copy.version == 2


def test_it_adds_edits_and_removes_sections_and_items(county_officer, own):
    section = services.do_add_section(county_officer, own, name="加分项", points="5")
    item = services.do_add_item(
        county_officer,
        section,
        number="19",
        text="创新做法",
        points="5",
        metric="five_good_share",
        metric_bands=[{"min": "60", "score": "5"}],
    )
    assert item.position == 0 and item.metric_bands == [{"min": "60", "score": "5"}]
    services.do_update_item(
        county_officer, item, points="4", metric_bands=[{"min": 50, "score": 4}]
    )
    item.refresh_from_db()
    assert item.points == Decimal("4")
    services.do_delete_section(county_officer, section)
    assert not Item.objects.filter(pk=item.pk).exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="standards.").values_list("action", flat=True)
    )
    assert {
        "standards.section.create",
        "standards.item.create",
        "standards.item.update",
        "standards.section.delete",
    } <= set(actions)


def test_it_refuses_an_item_number_twice_and_a_band_above_the_points(county_officer, own):
    section = own.sections.first()
    with pytest.raises(ValidationError) as error:
        services.do_add_item(
            county_officer,
            section,
            number="1",
            text="重复",
            points="2",
            metric="trainings",
            metric_bands=[{"min": 1, "score": 3}],
        )
    assert set(error.value.message_dict) == {"number", "metric_bands"}


def test_it_reads_bands_written_as_text():
    assert services.parse_bands_text("50=5；30＝3\n10=1") == [
        {"min": Decimal("50"), "score": Decimal("5")},
        {"min": Decimal("30"), "score": Decimal("3")},
        {"min": Decimal("10"), "score": Decimal("1")},
    ]
    with pytest.raises(ValidationError, match="50=5"):
        services.parse_bands_text("五十=5")


def test_it_keeps_the_chain_without_gaps_when_a_stage_goes(county_officer, own):
    services.do_add_stage(county_officer, own, kind=StageKind.CONFIRMATION, level=Level.CITY)
    services.do_delete_stage(county_officer, own.stages.get(position=1))
    chain = [(s.position, s.kind) for s in own.ordered_stages()]
    assert chain == [(0, "self_assessment"), (1, "decision"), (2, "confirmation")]


def test_it_moves_a_section_down(county_officer, own):
    first, second = own.sections.order_by("position")[:2]
    services.do_move(county_officer, first, 1)
    assert [s.name for s in own.sections.order_by("position")][:2] == [second.name, first.name]


def test_it_confirms_clearing_the_marks_and_remembering_them(county_officer, own):
    services.do_confirm_standard(county_officer, own)
    own.refresh_from_db()
    assert not own.is_example and own.confirmed_by == county_officer and own.confirmed_at
    assert not own.pass_rule_is_assumption
    assert not Item.objects.filter(section__standard=own, is_assumption=True).exists()
    event = AuditEvent.objects.get(action="standards.standard.confirm")
    assert set(event.before["assumed_items"]) == {"3", "9", "17", "18"}
    assert event.before["assumed_sections"] == ["档案台账"]
    with pytest.raises(ValidationError, match="已"):
        services.do_confirm_standard(county_officer, own)


def test_it_refuses_to_confirm_a_standard_whose_items_do_not_add_up(county_officer, own):
    services.do_update_item(county_officer, own.sections.first().items.get(number="2"), points="4")
    assert services.consistency_problems(own)
    with pytest.raises(ValidationError, match="组织健全"):
        services.do_confirm_standard(county_officer, own)


def test_it_copies_a_version_even_while_its_items_do_not_add_up(tree, county_officer, own):
    """A half-edited version copies as it stands, so nothing a county typed is lost."""
    item = own.sections.first().items.get(number="2")
    services.do_update_item(county_officer, item, points="4")
    copy = services.do_copy_standard(county_officer, own, unit=tree.county_a)
    assert copy.sections.first().items.get(number="2").points == Decimal("4")
