"""The four shipped example standards, installed by a migration into every database."""

from decimal import Decimal

from audit.models import AuditEvent
from orgs.models import Level
from standards.defaults import install_default_standards, shipped_standards
from standards.models import StageKind, Standard, TitleKind


def _chain(standard):
    return [(s.kind, s.level, s.is_spot_check) for s in standard.ordered_stages()]


def test_it_has_one_example_per_title_after_migrating(db):
    """Every database holds the four examples as version 0, marked 示例 and worth 100 points."""
    shipped = shipped_standards()
    assert set(shipped) == set(TitleKind.values)
    for standard in shipped.values():
        assert standard.version == 0
        assert standard.is_example
        assert standard.total_points == Decimal("100")
        for section in standard.sections.all():
            assert sum(i.points for i in section.items.all()) == section.points


def test_it_ships_the_authority_chains_of_the_design(db):
    shipped = shipped_standards()
    assert _chain(shipped[TitleKind.QUALIFIED_VILLAGE]) == [
        (StageKind.SELF_ASSESSMENT, Level.VILLAGE, False),
        (StageKind.ACCEPTANCE, Level.TOWNSHIP, False),
        (StageKind.DECISION, Level.COUNTY, True),
    ]
    assert _chain(shipped[TitleKind.FIRST_CLASS_VILLAGE]) == [
        (StageKind.SELF_ASSESSMENT, Level.VILLAGE, False),
        (StageKind.PRE_REVIEW, Level.TOWNSHIP, False),
        (StageKind.ACCEPTANCE, Level.COUNTY, False),
    ]
    assert _chain(shipped[TitleKind.FIVE_GOOD_GROUP]) == [
        (StageKind.RATING, Level.VILLAGE, False),
        (StageKind.VERIFICATION, Level.TOWNSHIP, False),
    ]
    assert _chain(shipped[TitleKind.ADVANCED_TOWNSHIP]) == [
        (StageKind.SELF_ASSESSMENT, Level.TOWNSHIP, False),
        (StageKind.SELECTION, Level.COUNTY, False),
        (StageKind.CONFIRMATION, Level.CITY, False),
    ]


def test_it_builds_the_village_standards_on_the_real_table(db):
    """组织健全 25, 创建五好小组 15, 工作制度 15, 宣传服务 15, 参与三结合 20, and 档案台账 10 as an
    assumption; item 11 suggests 5 points from a five-good share of 50%."""
    qualified = shipped_standards()[TitleKind.QUALIFIED_VILLAGE]
    sections = [(s.name, s.points, s.is_assumption) for s in qualified.sections.all()]
    assert sections == [
        ("组织健全", 25, False),
        ("创建五好小组", 15, False),
        ("工作制度", 15, False),
        ("宣传服务", 15, False),
        ("参与三结合", 20, False),
        ("档案台账", 10, True),
    ]
    items = {i.number: i for s in qualified.sections.all() for i in s.items.all()}
    assert [n for n in items if n.isdigit()] == [str(n) for n in range(1, 19)]
    assert items["11"].metric == "five_good_share"
    assert items["11"].metric_bands == [{"min": "50", "score": "5"}]
    assert items["3"].is_assumption and "80%" in items["3"].text
    assert items["17"].is_assumption and items["17"].points == 20
    assert items["9"].is_assumption and "双查" not in items["9"].text
    assert qualified.pass_total == 80 and qualified.pass_rule_is_assumption


def test_it_asks_more_of_first_class_and_needs_qualified_first(db):
    first_class = shipped_standards()[TitleKind.FIRST_CLASS_VILLAGE]
    assert first_class.pass_total == 90
    assert first_class.prerequisite == TitleKind.QUALIFIED_VILLAGE
    assert first_class.prerequisite_same_round
    for section in first_class.sections.all():
        assert section.min_points == section.points * Decimal("0.8")


def test_it_marks_the_whole_township_draft_as_an_assumption(db):
    township = shipped_standards()[TitleKind.ADVANCED_TOWNSHIP]
    assert all(s.is_assumption for s in township.sections.all())
    assert all(i.is_assumption for s in township.sections.all() for i in s.items.all())


def test_it_installs_nothing_for_a_title_that_has_a_version(db):
    """Installing again is harmless: a title with any version is left alone."""
    assert install_default_standards() == []
    assert Standard.objects.count() == 4


def test_it_reinstalls_a_missing_title_with_one_audit_event(db):
    Standard.objects.filter(title=TitleKind.ADVANCED_TOWNSHIP).delete()
    created = install_default_standards()
    assert [s.title for s in created] == [TitleKind.ADVANCED_TOWNSHIP]
    event = AuditEvent.objects.get(action="standards.install_defaults")
    assert event.after == {"standards": ["advanced_township v0"]}
