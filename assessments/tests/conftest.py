"""Small standards and a round on the base tree, shared by the assessment tests."""

from decimal import Decimal

import pytest

from assessments.services import do_create_round
from orgs.models import Level
from standards.models import Item, Section, Stage, StageKind, Standard, TitleKind


def make_standard(
    title: str,
    sections: list[tuple[str, int, int | None, list[tuple[str, int, bool]]]],
    stages: list[tuple[str, int, bool]],
    *,
    pass_total: int,
    prerequisite: str = "",
    version: int = 1,
) -> Standard:
    """sections: (name, points, minimum or None, [(number, points, is_veto)]);
    stages: (kind, level, is_spot_check)."""
    standard = Standard.objects.create(
        title=title,
        version=version,
        name=f"{TitleKind(title).label}（测试）",
        pass_total=Decimal(pass_total),
        prerequisite=prerequisite,
    )
    for s_pos, (name, points, minimum, items) in enumerate(sections):
        section = Section.objects.create(
            standard=standard,
            position=s_pos,
            name=name,
            points=points,
            min_points=minimum,
        )
        for i_pos, (number, item_points, is_veto) in enumerate(items):
            Item.objects.create(
                section=section,
                position=i_pos,
                number=number,
                text=f"条目{number}",
                points=item_points,
                is_veto=is_veto,
            )
    for position, (kind, level, spot) in enumerate(stages):
        Stage.objects.create(
            standard=standard, position=position, kind=kind, level=level, is_spot_check=spot
        )
    return standard


@pytest.fixture
def qualified_standard(db):
    return make_standard(
        TitleKind.QUALIFIED_VILLAGE,
        [
            ("组织健全", 50, 30, [("1", 25, False), ("2", 25, False)]),
            ("宣传服务", 50, None, [("3", 50, False), ("4", 0, True)]),
        ],
        [
            (StageKind.SELF_ASSESSMENT, Level.VILLAGE, False),
            (StageKind.ACCEPTANCE, Level.TOWNSHIP, False),
            (StageKind.DECISION, Level.COUNTY, True),
        ],
        pass_total=80,
    )


@pytest.fixture
def first_class_standard(db):
    return make_standard(
        TitleKind.FIRST_CLASS_VILLAGE,
        [("综合", 100, None, [("1", 60, False), ("2", 40, False)])],
        [
            (StageKind.SELF_ASSESSMENT, Level.VILLAGE, False),
            (StageKind.PRE_REVIEW, Level.TOWNSHIP, False),
            (StageKind.ACCEPTANCE, Level.COUNTY, False),
        ],
        pass_total=90,
        prerequisite=TitleKind.QUALIFIED_VILLAGE,
    )


@pytest.fixture
def group_standard(db):
    return make_standard(
        TitleKind.FIVE_GOOD_GROUP,
        [("五好", 100, None, [(str(n), 20, False) for n in range(1, 6)])],
        [
            (StageKind.RATING, Level.VILLAGE, False),
            (StageKind.VERIFICATION, Level.TOWNSHIP, False),
        ],
        pass_total=80,
    )


@pytest.fixture
def township_standard(db):
    return make_standard(
        TitleKind.ADVANCED_TOWNSHIP,
        [("先进", 100, None, [("1", 100, False)])],
        [
            (StageKind.SELF_ASSESSMENT, Level.TOWNSHIP, False),
            (StageKind.SELECTION, Level.COUNTY, False),
            (StageKind.CONFIRMATION, Level.CITY, False),
        ],
        pass_total=85,
    )


@pytest.fixture
def round_2026(tree, county_officer, qualified_standard, first_class_standard, group_standard):
    round_, _warnings = do_create_round(
        county_officer,
        tree.county_a,
        year=2026,
        name="2026年度评估",
        standards={
            TitleKind.QUALIFIED_VILLAGE: qualified_standard,
            TitleKind.FIRST_CLASS_VILLAGE: first_class_standard,
            TitleKind.FIVE_GOOD_GROUP: group_standard,
        },
    )
    return round_


@pytest.fixture
def chain_personas(village_operator, township_officer, county_officer, city_reviewer):
    """The acting persona of each level of the chain: .village, .township, .county, .city."""
    from types import SimpleNamespace

    return SimpleNamespace(
        village=village_operator,
        township=township_officer,
        county=county_officer,
        city=city_reviewer,
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Personas are made per test; argon2 made their set-up take most of the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english():
    """Service messages in English (their msgids), whatever the catalogue compiled holds."""
    from django.utils import translation

    with translation.override("en"):
        yield
