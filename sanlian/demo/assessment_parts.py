"""What the demo campaign (sanlian/demo/assessments.py) is made of: its dates, the rubric that
scores a planned assessment, and the writer that bulk-inserts the rounds' history.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import connection

from assessments.actions import AssessmentAction
from assessments.models import (
    Assessment,
    AssessmentState,
    AwardedTitle,
    Round,
    Score,
    TitleStatus,
    Transition,
)
from assessments.services import (
    ScoreInput,
)
from audit.services import record_event
from orgs.models import Category, Level, OrgUnit
from standards import metrics
from standards.models import Item, Standard, TitleKind

BULK_LOAD_ACTION = AssessmentAction.BULK_LOAD
HISTORY_ACTION = AssessmentAction.ASSESSMENT_HISTORY
GROUPS_HISTORY_ACTION = AssessmentAction.GROUP_RATINGS_HISTORY
DEFAULT_SEED = 319
BATCH = 2000
YEARS = (2024, 2025, 2026)
VILLAGE_CATEGORIES = (Category.VILLAGE, Category.COMMUNITY, Category.ENTERPRISE)
TOWNSHIP_CATEGORIES = (Category.TOWN, Category.TOWNSHIP, Category.STREET)

# When each step of a past round happened (month, day): the pages show plausible dates.
STEP_DATES = {
    "apply": (4, 10),
    "score0": (5, 15),
    "submit": (5, 20),
    "score1": (6, 20),
    "pass1": (6, 28),
    "return1": (6, 28),
    "withdraw": (7, 5),
    "score2": (9, 5),
    "pass2": (9, 10),
    "decide": (9, 10),
    "confirm": (11, 20),
}
# The current round's deadlines per title and stage (month, day of 2026).
DEADLINES_2026 = {
    TitleKind.QUALIFIED_VILLAGE: {0: (9, 30), 1: (11, 30), 2: (12, 20)},
    TitleKind.FIRST_CLASS_VILLAGE: {0: (9, 30), 1: (11, 30), 2: (12, 20)},
    TitleKind.FIVE_GOOD_GROUP: {0: (9, 30), 1: (11, 30)},
    TitleKind.ADVANCED_TOWNSHIP: {0: (10, 31), 1: (11, 20), 2: (12, 31)},
}


@dataclass
class DemoUnits:
    """The units the demo accounts work on (sanlian.demo.tree.DemoTree has them, and so can a
    test)."""

    city: OrgUnit
    county: OrgUnit
    township1: OrgUnit
    township2: OrgUnit
    village1: OrgUnit


def _when(year: int, step: str) -> datetime:
    month, day = STEP_DATES[step]
    return datetime(year, month, day, 2, 0, tzinfo=UTC)


# --- standards, cached -----------------------------------------------------------------------


class _Rubric:
    """A standard's items read once: the bulk plans thousands of ratings on four standards."""

    def __init__(self, standard: Standard):
        self.standard = standard
        self.sections = list(standard.sections.prefetch_related("items").order_by("position"))
        self.items: list[Item] = [i for s in self.sections for i in s.items.all()]
        self.stages = standard.ordered_stages()

    def marks(self, rng: random.Random, quality: float) -> dict[int, Decimal | None]:
        """Points per item around `quality` (a share of full points), in half points."""
        marks = {}
        for item in self.items:
            if not item.points:
                marks[item.pk] = None
                continue
            share = min(1.0, max(0.0, rng.gauss(quality, 0.07)))
            marks[item.pk] = Decimal(str(round(float(item.points) * share * 2) / 2))
        return marks

    def passes(self, marks: dict[int, Decimal | None]) -> bool:
        # standards.scoring.evaluate reads the standard from the database on every call; the
        # demo's marks score every item and clear every veto, so the rule is totals alone.
        total = Decimal("0")
        for section in self.sections:
            subtotal = sum(
                (marks.get(i.pk) or Decimal("0") for i in section.items.all()), Decimal(0)
            )
            if section.min_points is not None and subtotal < section.min_points:
                return False
            total += subtotal
        return total >= self.standard.pass_total

    def passing_marks(self, rng: random.Random, quality: float) -> dict[int, Decimal | None]:
        for _attempt in range(20):
            marks = self.marks(rng, quality)
            if self.passes(marks):
                return marks
            quality = min(1.0, quality + 0.03)
        return {i.pk: (i.points or None) for i in self.items}

    def failing_marks(self, rng: random.Random, quality: float) -> dict[int, Decimal | None]:
        for _attempt in range(20):
            marks = self.marks(rng, quality)
            if not self.passes(marks):
                return marks
            quality -= 0.05
        return {i.pk: (Decimal("0") if i.points else None) for i in self.items}


# --- bulk history ----------------------------------------------------------------------------


@dataclass
class _Move:
    action: str
    from_stage: int
    to_stage: int
    when: datetime
    actor: Any = None
    reason: str = ""
    items: list[int] = field(default_factory=list)


@dataclass
class _Planned:
    """One application (or group rating) as the services would have left it."""

    unit: OrgUnit
    title: str
    rubric: _Rubric
    access_unit: OrgUnit
    parent: "_Planned | None" = None
    # (stage, item id, points, actor, when, current_state, measures)
    scores: list[tuple] = field(default_factory=list)
    moves: list[_Move] = field(default_factory=list)
    stage: int = 0
    state: str = AssessmentState.OPEN
    reopened: list[int] = field(default_factory=list)
    award: tuple[Any, datetime] | None = None
    children: list["_Planned"] = field(default_factory=list)
    created_at: datetime | None = None
    obj: Assessment | None = None

    def score(self, stage, marks, actor, when, *, only=None, state="", measures=""):
        for item in self.rubric.items:
            if only is not None and item.pk not in only:
                continue
            self.scores.append((stage, item, marks.get(item.pk), actor, when, state, measures))

    def move(self, action, to_stage, when, actor=None, reason="", state=None, items=None):
        self.moves.append(_Move(action, self.stage, to_stage, when, actor, reason, items or []))
        self.stage = to_stage
        if state:
            self.state = state
        self.reopened = list(items or [])


class _Writer:
    """Inserts planned applications of one round with their scores, moves and titles."""

    def __init__(self, round_: Round):
        self.round = round_
        self.planned: list[_Planned] = []
        # Villages whose groups are rated without a village application: (village, ratings).
        self.group_only: list[tuple[OrgUnit, list[_Planned]]] = []
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, planned: _Planned) -> _Planned:
        self.planned.append(planned)
        return planned

    def flush(self) -> None:
        top = self.planned
        self._insert(top)
        children = [c for p in top for c in p.children]
        children += [g for _village, groups in self.group_only for g in groups]
        self._insert(children)
        everything = top + children
        self._insert_scores(everything)
        self._insert_moves(everything)
        self._insert_titles(everything)
        for planned in top:
            self._record(planned)
        for village, groups in self.group_only:
            self._record_groups(village, groups)
        self.counts["assessments"] += len(top)
        self.counts["group_ratings"] += len(children)
        self.planned, self.group_only = [], []
        _analyze_assessments()

    def _insert(self, plans: list[_Planned]) -> None:
        rows = []
        for p in plans:
            decided = p.moves[-1].when if p.state != AssessmentState.OPEN else None
            p.obj = Assessment(
                round=self.round,
                title=p.title,
                standard=p.rubric.standard,
                unit=p.unit,
                access_unit=p.access_unit,
                # Group ratings stand on their own (assessments/group_rules.py); `parent` in the
                # plan only says with which village's history they are recorded.
                parent=None,
                stage=p.stage,
                state=p.state,
                reopened_items=p.reopened,
                version=1 + len(p.moves) + len({s[0] for s in p.scores}),
                decided_at=decided,
            )
            rows.append(p.obj)
        Assessment.objects.bulk_create(rows, batch_size=BATCH)
        by_date = defaultdict(list)
        for p in plans:
            by_date[p.created_at].append(p.obj.pk)
        _set_created_at(Assessment, by_date)

    def _insert_scores(self, plans: list[_Planned]) -> None:
        rows = [
            (
                p.obj.pk,
                item.pk,
                stage,
                points,
                False if item.is_veto else None,
                state,
                measures,
                None,
                "",
                "",
                True,
                _pk(actor),
                _db_time(at),
            )
            for p in plans
            for stage, item, points, actor, at, state, measures in p.scores
        ]
        _raw_insert(Score, SCORE_COLUMNS, rows)
        self.counts["scores"] += len(rows)

    def _insert_moves(self, plans: list[_Planned]) -> None:
        items_field = Transition._meta.get_field("items")
        rows = [
            (
                p.obj.pk,
                m.action,
                m.from_stage,
                m.to_stage,
                m.reason,
                items_field.get_db_prep_save(m.items, connection),
                _pk(m.actor),
                _db_time(m.when),
            )
            for p in plans
            for m in p.moves
        ]
        _raw_insert(Transition, TRANSITION_COLUMNS, rows)

    def _insert_titles(self, plans: list[_Planned]) -> None:
        year = self.round.year
        awarded = [p for p in plans if p.award]
        # A newer award supersedes the unit's earlier title of the kind, as services._award does.
        for title in {p.title for p in awarded}:
            units = [p.unit.pk for p in awarded if p.title == title]
            for chunk in _chunks(units):
                AwardedTitle.objects.filter(
                    unit_id__in=chunk, title=title, status=TitleStatus.AWARDED, year__lt=year
                ).update(status=TitleStatus.SUPERSEDED)
        AwardedTitle.objects.bulk_create(
            [
                AwardedTitle(
                    unit=p.unit,
                    title=p.title,
                    year=year,
                    assessment=p.obj,
                    awarded_by=p.award[0],
                    awarded_at=p.award[1],
                    valid_years=p.rubric.standard.validity_years,
                )
                for p in awarded
            ],
            batch_size=BATCH,
        )
        self.counts["titles"] += len(awarded)

    def _record(self, p: _Planned) -> None:
        """The application's one audit event: what the services would have recorded in many."""

        record_event(
            actor=None,
            action=HISTORY_ACTION,
            obj=p.obj,
            unit_id=p.unit.pk,
            after={
                "round": self.round.pk,
                "title": p.title,
                "standard": p.rubric.standard.pk,
                "stage": p.stage,
                "state": p.state,
                "scores": _scores_of(p),
                "moves": _moves_of(p),
                "awarded": bool(p.award),
                "group_ratings": _groups_of(p.children),
            },
        )

    def _record_groups(self, village: OrgUnit, groups: list[_Planned]) -> None:
        """One event for a village's group ratings rated without a village application."""
        record_event(
            actor=None,
            action=GROUPS_HISTORY_ACTION,
            obj=self.round,
            unit_id=village.pk,
            after={"village": village.pk, "group_ratings": _groups_of(groups)},
        )


def _scores_of(plan: _Planned) -> dict:
    by_stage: dict[str, dict] = defaultdict(dict)
    for stage, item, points, *_rest in plan.scores:
        by_stage[str(stage)][item.number] = str(points) if points is not None else None
    return dict(by_stage)


def _moves_of(plan: _Planned) -> list:
    return [
        [m.action, m.from_stage, m.to_stage, _username(m.actor), m.reason, m.items]
        for m in plan.moves
    ]


def _groups_of(groups: list[_Planned]) -> dict:
    return {
        str(g.unit.pk): {
            "scores": _scores_of(g),
            "moves": _moves_of(g),
            "state": g.state,
            "awarded": bool(g.award),
        }
        for g in groups
    }


SCORE_COLUMNS = [
    "assessment",
    "item",
    "stage",
    "points",
    "veto_violated",
    "current_state",
    "measures",
    "suggested",
    "metric_value",
    "override_reason",
    "is_current",
    "author",
    "created_at",
]
TRANSITION_COLUMNS = [
    "assessment",
    "action",
    "from_stage",
    "to_stage",
    "reason",
    "items",
    "actor",
    "created_at",
]


def _analyze_assessments() -> None:
    """Refresh PostgreSQL's statistics after a round's bulk history: inside the demo's one
    transaction autovacuum never sees the rows, and the planner, taking the tables for nearly
    empty, nested-looped the spot check's join over tens of thousands of ratings for minutes."""
    if connection.vendor != "postgresql":
        return
    tables = [m._meta.db_table for m in (Assessment, AwardedTitle, Score, Transition)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def _raw_insert(model, names: list[str], rows: list[tuple]) -> None:
    """Rows straight into the model's table: building tens of thousands of model instances
    for bulk_create was most of the demo's time. A test checks that every column is written."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, BATCH):
            cursor.executemany(sql, chunk)


def _pk(user) -> int | None:
    return user.pk if user is not None else None


def _db_time(when: datetime):
    return connection.ops.adapt_datetimefield_value(when)


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _set_created_at(model, by_date: dict) -> None:
    # created_at is auto_now_add, which bulk_create overwrites with now; history gets its dates
    # afterwards, one UPDATE per date.
    for when, pks in by_date.items():
        if when is None:
            continue
        for chunk in _chunks(pks):
            model.objects.filter(pk__in=chunk).update(created_at=when)


def groups_rated_with_all(county: OrgUnit):
    """Every active group of the county that a village's application rates: its own groups,
    and the urban branch's groups by their home village."""
    return (
        OrgUnit.objects.filter(county=county, level=Level.GROUP, status="active")
        .select_related("parent")
        .order_by("pk")
    )


def _entries(rubric: _Rubric, marks, unit: OrgUnit, year: int, *, state: bool = False):
    """ScoreInputs for the services; where the registers suggest another score, the reason."""
    entries = []
    for item in rubric.items:
        points = marks.get(item.pk)
        reason = ""
        if item.metric and points is not None:
            reading = metrics.reading_for(item, unit, year)
            if reading and reading.suggested is not None and reading.suggested != points:
                reason = "台账尚未录全，按实地查看情况评分。"
        entries.append(
            ScoreInput(
                item_id=item.pk,
                points=points,
                veto_violated=False if item.is_veto else None,
                current_state="已对照细则逐项自查。" if state else "",
                override_reason=reason,
            )
        )
    return entries


CURRENT_STATES = [
    "会长、秘书长在岗，理事会按期开会，会员名册齐全。",
    "活动场所固定，经费纳入村级预算，台账按月整理。",
    "小组长按月参加例会，入户宣传有记录。",
    "开展生育关怀走访和优生优育讲座，服务对象有登记。",
]


def _current_state(rng: random.Random) -> str:
    return rng.choice(CURRENT_STATES)


def _shipped_standards() -> dict[str, Standard]:
    from standards.defaults import install_default_standards, shipped_standards

    found = shipped_standards()
    if len(found) < len(TitleKind.values):
        install_default_standards()
        found = shipped_standards()
    return found
