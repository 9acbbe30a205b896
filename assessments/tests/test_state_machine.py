"""Random actions by random personas through a round (hypothesis' rule-based state machine),
checking after every step: no title without a complete chain, nothing done outside the actor's
subtree or level, every score version kept, and the audit chain intact."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from accounts.models import RoleKind
from accounts.services import do_create_user, do_grant_role
from assessments import group_rules
from assessments.models import (
    Assessment,
    AssessmentState,
    AwardedTitle,
    RevocationCause,
    Score,
    Transition,
    TransitionAction,
)
from assessments.services import (
    ScoreInput,
    do_apply,
    do_decide,
    do_pass,
    do_return,
    do_revoke_title,
    do_save_scores,
    do_submit,
)
from audit.services import verify_chain
from conftest import PASSWORD
from orgs.models import LEVEL_COLUMNS, Level
from standards.models import Item, TitleKind

REFUSALS = (PermissionDenied, ValidationError)
FORWARD = (TransitionAction.SUBMIT, TransitionAction.PASS, TransitionAction.AWARD)


def _acts_for(tree, dual):
    """The oracle, written out by hand from the fixture: which (level, unit) each persona acts
    for in a chain. Leaders and administrators act for none."""
    return {
        "village_operator": {(Level.VILLAGE, tree.village_1.pk)},
        "township_officer": {(Level.TOWNSHIP, tree.township_1.pk)},
        "other_township_officer": {(Level.TOWNSHIP, tree.township_2.pk)},
        "county_officer": {(Level.COUNTY, tree.county_a.pk)},
        "city_reviewer": {(Level.CITY, tree.city.pk)},
        "outsider": {(Level.COUNTY, tree.county_b.pk)},
        "leader": set(),
        "administrator": set(),
        dual.username: {(Level.VILLAGE, tree.village_1.pk), (Level.TOWNSHIP, tree.township_1.pk)},
        "wang": {(Level.VILLAGE, tree.village_2.pk)},
    }


def test_it_keeps_the_chain_sound_under_random_actions(
    tree,
    round_2026,
    village_operator,
    township_officer,
    other_township_officer,
    county_officer,
    city_reviewer,
    leader,
    outsider,
    administrator,
):
    # One person who keeps 李家村 and works for 青山镇: segregation of duties must stop them.
    dual = do_create_user(None, username="dual", password=PASSWORD)
    do_grant_role(None, dual, tree.village_1, RoleKind.VILLAGE_OPERATOR)
    do_grant_role(None, dual, tree.township_1, RoleKind.TOWNSHIP_OFFICER)
    wang = do_create_user(None, username="wang", password=PASSWORD)
    do_grant_role(None, wang, tree.village_2, RoleKind.VILLAGE_OPERATOR)
    users = {
        u.username if u is dual else name: u
        for name, u in {
            "village_operator": village_operator,
            "township_officer": township_officer,
            "other_township_officer": other_township_officer,
            "county_officer": county_officer,
            "city_reviewer": city_reviewer,
            "leader": leader,
            "outsider": outsider,
            "administrator": administrator,
            "dual": dual,
            "wang": wang,
        }.items()
    }
    acts_for = _acts_for(tree, dual)
    by_user_id = {u.pk: name for name, u in users.items()}
    units = [tree.village_1, tree.village_2, tree.village_3, tree.village_b]
    names = sorted(users)

    def may_act(name: str, unit, level: int) -> bool:
        ancestor = getattr(unit, f"{LEVEL_COLUMNS[level]}_id", None)
        return (level, ancestor) in acts_for[name]

    # Most draws are "whoever acts at this stage", so that chains get somewhere; the others
    # are any persona, most of whom must be refused.
    stage_actor = st.integers(0, 7).map(lambda n: -1 - n)
    who_strategy = st.one_of(st.sampled_from(names), stage_actor, stage_actor, stage_actor)
    stats = {"succeeded": 0, "refused": 0, "titles": 0}

    def resolve(who, unit, level: int) -> str:
        if isinstance(who, str):
            return who
        candidates = [n for n in names if may_act(n, unit, level)] or names
        return candidates[(-1 - who) % len(candidates)]

    class Chain(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            # Each example runs in its own savepoint, rolled back at teardown.
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.score_rows = Score.objects.count()

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        # --- helpers ---------------------------------------------------------------------

        def _pick(self, queryset, index):
            rows = list(queryset.order_by("pk"))
            return rows[index % len(rows)] if rows else None

        def _attempt(self, who, assessment, call):
            """Run an action as `who`; if it succeeded, the oracle must have allowed it; if it
            was refused, nothing about the assessment changed."""
            governing = assessment.parent if assessment.parent_id else assessment
            governing.refresh_from_db()
            stages = governing.standard.ordered_stages()
            level = stages[governing.stage].level
            name = resolve(who, governing.access_unit, level)
            before = (governing.version, governing.stage, governing.state)
            try:
                with transaction.atomic():
                    call(users[name])
            except REFUSALS:
                governing.refresh_from_db()
                assert (governing.version, governing.stage, governing.state) == before
                stats["refused"] += 1
                return False
            stats["succeeded"] += 1
            assert before[2] == AssessmentState.OPEN, "acted on a closed assessment"
            assert may_act(name, governing.access_unit, level), (name, call.__name__, level)
            return True

        # --- rules -----------------------------------------------------------------------

        @initialize()
        def two_applications(self):
            """李家村 (with its groups and the migrant group) and 王庄村 (without) have applied."""
            for village, operator in ((tree.village_1, village_operator), (tree.village_2, wang)):
                do_apply(operator, round_2026, TitleKind.QUALIFIED_VILLAGE, village)

        @rule(who=who_strategy, unit=st.sampled_from(range(4)), first=st.booleans())
        def apply(self, who, unit, first):
            title = TitleKind.FIRST_CLASS_VILLAGE if first else TitleKind.QUALIFIED_VILLAGE
            target = units[unit]
            who = resolve(who, target, Level.VILLAGE)
            try:
                with transaction.atomic():
                    do_apply(users[who], round_2026, title, target)
            except REFUSALS:
                return
            assert may_act(who, target, Level.VILLAGE), (who, target.name)

        @rule(
            who=who_strategy,
            index=st.integers(0, 3),
            low=st.sampled_from([False, False, False, True]),
            only_reopened=st.booleans(),
        )
        def score_items(self, who, index, low, only_reopened):
            """Score an open assessment and then each of its group ratings."""
            main = self._open_main(index)
            if main is None:
                return
            for assessment in [
                main,
                *group_rules.ratings_with(main).filter(state=AssessmentState.OPEN),
            ]:
                items = Item.objects.filter(section__standard=assessment.standard)
                if only_reopened and main.reopened_items and assessment is main:
                    items = items.filter(pk__in=main.reopened_items)
                entries = [
                    ScoreInput(
                        item_id=item.pk,
                        points=(item.points / 2 if low else item.points).quantize(Decimal("0.1")),
                        veto_violated=False if item.is_veto else None,
                    )
                    for item in items
                ]

                def score(user, assessment=assessment, entries=entries):
                    do_save_scores(user, assessment, entries)

                self._attempt(who, assessment, score)

        def _open_main(self, index):
            return self._pick(
                Assessment.objects.filter(state=AssessmentState.OPEN, parent=None), index
            )

        @rule(pick=st.integers(0, 7), index=st.integers(0, 3))
        def advance(self, pick, index):
            """The next step of one assessment's chain, by one of those who act at its stage
            (the double-roled person included, whom segregation of duties may stop)."""
            main = self._open_main(index)
            if main is None:
                return
            stages = main.standard.ordered_stages()
            who = -1 - pick
            if main.stage < len(stages) - 1:
                for assessment in [
                    main,
                    *group_rules.ratings_with(main).filter(state=AssessmentState.OPEN),
                ]:
                    items = Item.objects.filter(section__standard=assessment.standard)
                    if assessment is main and main.reopened_items:
                        items = items.filter(pk__in=main.reopened_items)
                    entries = [
                        ScoreInput(item.pk, item.points, False if item.is_veto else None)
                        for item in items
                    ]

                    def score(user, assessment=assessment, entries=entries):
                        do_save_scores(user, assessment, entries)

                    self._attempt(who, assessment, score)

            def submit(user):
                do_submit(user, main)

            def pass_on(user):
                do_pass(user, main)

            def decide(user):
                do_decide(user, main, award=True)

            if main.stage == 0:
                self._attempt(who, main, submit)
            elif main.stage < len(stages) - 1:
                self._attempt(who, main, pass_on)
            else:
                self._attempt(who, main, decide)

        @rule(who=who_strategy, index=st.integers(0, 3))
        def submit(self, who, index):
            assessment = self._open_main(index)
            if assessment is not None:

                def submit(user):
                    do_submit(user, assessment)

                self._attempt(who, assessment, submit)

        @rule(who=who_strategy, index=st.integers(0, 3))
        def pass_on(self, who, index):
            assessment = self._open_main(index)
            if assessment is not None:

                def pass_on(user):
                    do_pass(user, assessment)

                self._attempt(who, assessment, pass_on)

        @rule(
            who=who_strategy,
            index=st.integers(0, 3),
            per_item=st.booleans(),
            now=st.sampled_from([True, False, False]),
        )
        def send_back(self, who, index, per_item, now):
            # Returns undo progress: a third as often as the other moves, or chains never end.
            assessment = self._open_main(index)
            if assessment is None or not now:
                return
            items = list(
                Item.objects.filter(section__standard=assessment.standard)
                .order_by("pk")
                .values_list("pk", flat=True)[:1]
            )

            def send_back(user):
                do_return(user, assessment, reason="请修改", items=items if per_item else None)

            self._attempt(who, assessment, send_back)

        @rule(who=who_strategy, index=st.integers(0, 3), award=st.booleans())
        def decide(self, who, index, award):
            assessment = self._open_main(index)
            if assessment is not None:

                def decide(user):
                    do_decide(user, assessment, award=award, reason="评定")

                self._attempt(who, assessment, decide)

        @rule(who=who_strategy, index=st.integers(0, 3))
        def revoke(self, who, index):
            title = self._pick(AwardedTitle.objects.filter(status="awarded"), index)
            if title is None:
                return
            who = resolve(who, title.unit, Level.COUNTY)
            try:
                with transaction.atomic():
                    do_revoke_title(
                        users[who], title, cause=RevocationCause.REINSPECTION, reason="复查"
                    )
            except REFUSALS:
                title.refresh_from_db()
                assert title.status == "awarded"
                return
            # Only the county above the deciding township or the county itself revokes here.
            assert may_act(who, title.unit, Level.COUNTY), (who, title.unit.name)

        # --- invariants ------------------------------------------------------------------

        @invariant()
        def no_title_without_a_complete_chain(self):
            stats["titles"] = max(stats["titles"], AwardedTitle.objects.count())
            for title in AwardedTitle.objects.select_related(
                "assessment__standard", "assessment__access_unit"
            ):
                assessment = title.assessment
                assert assessment is not None and assessment.state == AssessmentState.AWARDED
                stages = assessment.standard.ordered_stages()
                moves = list(
                    Transition.objects.filter(assessment=assessment, action__in=FORWARD).order_by(
                        "-id"
                    )
                )
                for stage in stages:
                    last = stage.position == len(stages) - 1
                    wanted = TransitionAction.AWARD if last else None
                    move = next(
                        (
                            m
                            for m in moves
                            if m.from_stage == stage.position
                            and (m.action == wanted if last else m.action != TransitionAction.AWARD)
                        ),
                        None,
                    )
                    assert move is not None, (title, stage.position)
                    actor = by_user_id[move.actor_id]
                    assert may_act(actor, assessment.access_unit, stage.level), (
                        title,
                        stage.position,
                        actor,
                    )

        @invariant()
        def every_score_version_is_kept(self):
            rows = Score.objects.count()
            assert rows >= self.score_rows
            self.score_rows = rows
            per_cell = Score.objects.values("assessment", "stage", "item").annotate(
                current=Count("pk", filter=Q(is_current=True))
            )
            assert all(cell["current"] == 1 for cell in per_cell)

        @invariant()
        def the_audit_chain_verifies(self):
            assert verify_chain().ok

    run_state_machine_as_test(
        Chain,
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    # The run must have got somewhere, or the invariants were checked on nothing.
    assert stats["titles"] > 0 and stats["refused"] > 0 and stats["succeeded"] > 0
