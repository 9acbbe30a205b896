"""Random sequences of decisions, carried-in titles, revocations, closed yearly ratings (lapses),
yearly ratings decided "not awarded" in an open round (lapses at once), register and tree
changes: the incrementally kept roll-ups always equal a rebuild from the raw rows."""

import contextlib
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.carried import do_carry_in_title
from assessments.models import AwardedTitle, TitleStatus
from assessments.services import do_revoke_title
from campaigns import rollups
from campaigns.rollup_models import RollupFigure
from campaigns.tests.test_rollups import award, close_round, rating
from orgs.services import do_move_unit, do_reinstate_unit, do_retire_unit
from registers.models import Carrier, Member, MemberStatus, Training
from registers.services import (
    do_change_member_status,
    do_create_activity,
    do_create_member,
    do_create_training,
    do_delete_training,
    do_transfer_member,
)
from standards.models import TitleKind

OPERATIONS = [
    "award",
    "award",
    "carry_in",
    "close_round",
    "not_award",
    "revoke",
    "member",
    "member",
    "leave",
    "transfer",
    "training",
    "activity",
    "delete_training",
    "move_group",
    "retire",
    "reinstate",
]
steps = st.lists(
    st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 999), st.integers(2022, 2026)),
    max_size=14,
)


def fail_rating(unit, title: str, year: int) -> None:
    """The year's rating of the unit decided "not awarded" through the chain's own move."""
    from assessments.models import Assessment, AssessmentState, TransitionAction
    from assessments.services.chain import _move

    rated = Assessment.objects.filter(round__year=year, title=title, unit=unit)
    if rated.exists():
        return
    with transaction.atomic():
        not_awarded = AssessmentState.NOT_AWARDED
        _move(
            None,
            rating(unit, title, year),
            TransitionAction.NOT_AWARD,
            0,
            "复查",
            state=not_awarded,
        )


def _pick(items: list, n: int):
    return items[n % len(items)] if items else None


def _apply(tree, officer, operation: str, n: int, year: int) -> None:
    villages = [tree.village_1, tree.village_2, tree.village_3]
    groups = [tree.group_1, tree.group_2, tree.group_3, tree.branch_group]
    for unit in [*villages, *groups, tree.township_1, tree.township_2]:
        unit.refresh_from_db()
    if operation == "award":
        unit, title = _pick(
            [
                *((g, TitleKind.FIVE_GOOD_GROUP) for g in groups),
                *((v, TitleKind.QUALIFIED_VILLAGE) for v in villages),
                *((v, TitleKind.FIRST_CLASS_VILLAGE) for v in villages),
                (tree.township_1, TitleKind.ADVANCED_TOWNSHIP),
            ],
            n,
        )
        # One rating a unit, title and round: a title awarded then revoked is not re-awarded.
        from assessments.models import Assessment

        if not Assessment.objects.filter(unit=unit, title=title, round__year=year).exists():
            award(unit, title, year)
    elif operation == "carry_in":
        unit, title = _pick(
            [
                *((v, TitleKind.QUALIFIED_VILLAGE) for v in villages),
                *((g, TitleKind.FIVE_GOOD_GROUP) for g in groups),
            ],
            n,
        )
        do_carry_in_title(officer, unit, title=title, year=year - 3, issuer="县计生协")
    elif operation == "close_round":
        close_round(tree.county_a, year)
    elif operation == "not_award":
        unit, title = _pick(
            [
                *((g, TitleKind.FIVE_GOOD_GROUP) for g in groups),
                *((v, TitleKind.QUALIFIED_VILLAGE) for v in villages),
            ],
            n,
        )
        fail_rating(unit, title, year)
    elif operation == "revoke":
        title = _pick(list(AwardedTitle.objects.filter(status=TitleStatus.AWARDED)), n)
        if title is not None:
            do_revoke_title(officer, title, cause="other", reason="复查")
    elif operation == "member":
        do_create_member(None, _pick(villages, n), name=f"会员{n}", join_date=date(year, 3, 1))
    elif operation == "leave":
        member = _pick(list(Member.objects.filter(status=MemberStatus.ACTIVE)), n)
        if member is not None:
            do_change_member_status(None, member, MemberStatus.MOVED, on=date(year, 6, 1))
    elif operation == "transfer":
        member = _pick(list(Member.objects.all()), n)
        if member is not None:
            do_transfer_member(None, member, _pick(villages, n + 1))
    elif operation == "training":
        organiser = _pick([*villages, tree.township_1, tree.county_a, tree.group_1], n)
        do_create_training(
            None,
            organiser,
            date=date(year, 5, 1),
            title=f"培训{n}",
            audiences=["members"],
            hours="2",
        )
    elif operation == "activity":
        do_create_activity(
            None,
            _pick([*villages, *groups], n),
            date=date(year, 7, 1),
            carrier=Carrier.objects.order_by("pk").first(),
            needs=["three_lives"],
            title=f"活动{n}",
            people_served=n % 30,
        )
    elif operation == "delete_training":
        training = _pick(list(Training.objects.all()), n)
        if training is not None:
            do_delete_training(None, training)
    elif operation == "move_group":
        do_move_unit(officer, _pick(groups[:3], n), _pick(villages, n + 1))
    elif operation == "retire":
        do_retire_unit(officer, _pick([*villages, tree.township_2, *groups], n), "撤并")
    elif operation == "reinstate":
        do_reinstate_unit(officer, _pick([tree.township_2, *villages, *groups], n))


def _rows() -> list[tuple]:
    return sorted(RollupFigure.objects.values_list("unit_id", "year", *rollups.FIELDS))


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_it_keeps_the_roll_ups_equal_to_a_rebuild(tree, county_officer, steps):
    with transaction.atomic():
        for operation, n, year in steps:
            # A refusal (a name taken, a unit retired…) changes nothing.
            with contextlib.suppress(ValidationError):
                _apply(tree, county_officer, operation, n, year)
        differences = rollups.verify()
        assert differences == [], [str(d) for d in differences[:10]]
        kept = _rows()
        rollups.rebuild()
        assert _rows() == kept
        transaction.set_rollback(True)
