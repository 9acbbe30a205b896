"""Reads of the assessment chain shared by the pages: what a user may see, what waits for them,
and the rows of the assessment sheet."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.access import CHAIN_ACTORS, roles_of, visible_units
from assessments import group_rules
from assessments.models import (
    Assessment,
    AssessmentState,
    AwardedTitle,
    Round,
    Score,
    SpotCheckEntry,
    SpotCheckResult,
    StageDeadline,
    TitleStatus,
)
from assessments.services import (
    acts_at_level,
    effective_marks,
    outcome_at,
    stages_of,
    with_stages,
)
from orgs.models import LEVEL_COLUMNS, Level, OrgUnit
from orgs.selectors import group_sort_key
from registers.models import Evidence
from standards import metrics
from standards.models import Item, Section, Stage, TitleKind
from standards.scoring import ItemMark, Outcome, evaluate, sections_with_items

# --- what a user may see -------------------------------------------------------------------


def _ancestor_ids_of_roles(user) -> set[int]:
    ids: set[int] = set()
    for role in roles_of(user):
        ids.update(role.unit.ancestor_ids())
        ids.add(role.unit.pk)
    return ids


def rounds_for_user(user) -> QuerySet[Round]:
    """Rounds organised within the user's subtrees, or by a unit above them (taking them in)."""
    return Round.objects.filter(
        Q(organiser__in=visible_units(user)) | Q(organiser_id__in=_ancestor_ids_of_roles(user))
    ).select_related("organiser")


def assessments_for_user(user) -> QuerySet[Assessment]:
    return Assessment.objects.filter(access_unit__in=visible_units(user))


def titles_of(user, unit: OrgUnit) -> list[AwardedTitle]:
    titles = list(
        AwardedTitle.objects.filter(unit=unit).select_related(
            "unit", "assessment__round", "assessment__standard", "revoked_by", "awarded_by"
        )
    )
    # can_revoke reads each title's chain: one query for all of them.
    with_stages([t.assessment for t in titles if t.assessment_id])
    return titles


@dataclass
class Revocation:
    """A revoked title as the sheet shows it: when, why, by whom, and the failed spot check."""

    title: AwardedTitle
    spot_check_entry: SpotCheckEntry | None


def revocation_of(assessment: Assessment) -> Revocation | None:
    title = (
        AwardedTitle.objects.filter(assessment=assessment, status=TitleStatus.REVOKED)
        .select_related("revoked_by")
        .first()
    )
    if title is None:
        return None
    entry = (
        SpotCheckEntry.objects.filter(assessment=assessment, result=SpotCheckResult.FAILED)
        .select_related("spot_check")
        .order_by("-inspected_at")
        .first()
    )
    return Revocation(title=title, spot_check_entry=entry)


def unit_at_stage(assessment: Assessment, stage: Stage) -> OrgUnit | None:
    """The unit that acts at a stage of the assessment's chain: the applicant's own ancestor
    at the stage's level (the township, the county…)."""
    column = LEVEL_COLUMNS.get(stage.level)
    return getattr(assessment.unit, column, None) if column else None


@dataclass
class GroupEffect:
    """A five-good group the action verifies with its village, with the score it stands on."""

    assessment: Assessment
    total: Decimal
    pass_total: Decimal
    passes: bool


@dataclass
class ActionEffects:
    """What an action on the sheet will do, to whom: its confirmation page and its result
    message say the same."""

    receiver: OrgUnit | None = None
    receiver_stage: Stage | None = None
    inherited: list[tuple[Item, Decimal | None]] = field(default_factory=list)
    groups: list[GroupEffect] = field(default_factory=list)


def action_effects(assessment: Assessment, name: str) -> ActionEffects:
    stages = stages_of(assessment)
    here = assessment.stage
    target = {"submit": here + 1, "pass": here + 1, "return": here - 1}.get(name)
    effects = ActionEffects()
    if target is not None and 0 <= target < len(stages):
        effects.receiver_stage = stages[target]
        effects.receiver = unit_at_stage(assessment, stages[target])
    if name in ("pass", "decide") and here > 0:
        effects.inherited = _inherited_scores(assessment, here)
    settles_groups = (name == "pass" and here == 1) or (name == "decide" and here == 1)
    if settles_groups:
        for group in assessment.group_ratings.filter(state=AssessmentState.OPEN).select_related(
            "unit", "unit__parent", "standard"
        ):
            outcome = outcome_at(group, group.stage)
            effects.groups.append(
                GroupEffect(group, outcome.total, group.standard.pass_total, outcome.passes)
            )
        effects.groups.sort(key=lambda g: group_sort_key(g.assessment.unit.name))
    return effects


def _inherited_scores(assessment: Assessment, stage: int) -> list[tuple[Item, Decimal | None]]:
    """Items this stage left blank: they count with the earlier stage's score."""
    scored_here = set(
        Score.objects.filter(assessment=assessment, stage=stage, is_current=True).values_list(
            "item_id", flat=True
        )
    )
    earlier = {
        s.item_id: s.points
        for s in Score.objects.filter(
            assessment=assessment, stage__lt=stage, is_current=True
        ).order_by("stage")
    }
    items = Item.objects.filter(section__standard=assessment.standard).order_by(
        "section__position", "position"
    )
    return [(i, earlier[i.pk]) for i in items if i.pk not in scored_here and i.pk in earlier]


# --- what a reviewer should look at ----------------------------------------------------------


@dataclass
class AboveSuggestion:
    """An item scored above what the registers suggest."""

    item: Item
    points: Decimal
    suggested: Decimal


@dataclass
class ReviewFigures:
    """The figures a reviewer decides on: the total against the pass mark, the items scored
    above the registers' suggestion, and the total if those took the suggestion."""

    total: Decimal
    pass_total: Decimal
    passes: bool
    above: list[AboveSuggestion]
    total_on_suggestion: Decimal | None = None
    passes_on_suggestion: bool | None = None


def above_suggestion(assessment: Assessment, readings=None) -> list[AboveSuggestion]:
    readings = readings_of(assessment) if readings is None else readings
    if not readings:
        return []
    marks = effective_marks(assessment, assessment.stage)
    items = {i.pk: i for i in Item.objects.filter(pk__in=readings).select_related("section")}
    found = []
    for item_id, reading in readings.items():
        mark = marks.get(item_id)
        if mark is None or mark.points is None or reading.suggested is None:
            continue
        if mark.points > reading.suggested and item_id in items:
            found.append(AboveSuggestion(items[item_id], mark.points, reading.suggested))
    found.sort(key=lambda a: (a.item.section.position, a.item.position))
    return found


def count_above_suggestion(rows: "Iterable[Row]") -> None:
    """Set `row.above` to the number of items scored above the registers' suggestion, for the
    rows under review (past the self-assessment); None for the others. Metrics are read per unit,
    so callers pass only the page shown."""
    for row in rows:
        under_review = row.assessment.stage > 0
        row.above = len(above_suggestion(row.assessment)) if under_review else None


def review_figures(assessment: Assessment, readings=None) -> ReviewFigures:
    outcome = outcome_at(assessment)
    above = above_suggestion(assessment, readings)
    figures = ReviewFigures(
        total=outcome.total,
        pass_total=assessment.standard.pass_total,
        passes=outcome.passes,
        above=above,
    )
    if above:
        marks = effective_marks(assessment, assessment.stage)
        for entry in above:
            marks[entry.item.pk] = ItemMark(
                points=entry.suggested, veto_violated=marks[entry.item.pk].veto_violated
            )
        on_suggestion = evaluate(assessment.standard, marks)
        figures.total_on_suggestion = on_suggestion.total
        figures.passes_on_suggestion = on_suggestion.passes
    return figures


# --- deadlines and "waiting for me" ----------------------------------------------------------


def deadlines_for(assessments) -> dict[tuple[int, str, int], date]:
    """Due dates keyed by (round id, title, stage) for the rounds of these assessments."""
    round_ids = {a.round_id for a in assessments}
    rows = StageDeadline.objects.filter(round_title__round_id__in=round_ids).values_list(
        "round_title__round_id", "round_title__title", "stage", "due"
    )
    return {(r, t, s): due for r, t, s, due in rows}


@dataclass
class Row:
    """An assessment with what the lists show beside it."""

    assessment: Assessment
    stage: Stage | None
    due: date | None = None
    # Items scored above the registers' suggestion, once counted (count_above_suggestion).
    above: int | None = None

    @property
    def overdue(self) -> bool:
        return bool(self.assessment.is_open and self.due and self.due < timezone.localdate())


def rows_for(assessments) -> list[Row]:
    assessments = with_stages(assessments)
    dues = deadlines_for(assessments)
    rows = []
    for a in assessments:
        chain = stages_of(a)
        stage = chain[a.stage] if a.stage < len(chain) else None
        rows.append(Row(a, stage, dues.get((a.round_id, a.title, a.stage))))
    return rows


def waiting_for(user) -> list[Row]:
    """Open assessments at a stage where the user acts (their level, their subtree): overdue
    first, then by due date, then the rest."""
    levels = {role.unit.level for role in roles_of(user) if CHAIN_ACTORS.get(role.unit.level)}
    if not levels:
        return []
    candidates = (
        assessments_for_user(user)
        .filter(state=AssessmentState.OPEN, parent__isnull=True)
        # Group ratings wait on their village's 五好小组评定 page, not one row per group.
        .exclude(title=TitleKind.FIVE_GOOD_GROUP)
        .select_related("unit", "unit__township", "round", "access_unit", "standard")
    )
    rows = [
        row
        for row in rows_for(candidates)
        if row.stage
        and row.stage.level in levels
        and acts_at_level(user, row.assessment.access_unit, row.stage.level)
    ]
    far = date.max
    rows.sort(key=lambda r: (not r.overdue, r.due or far, r.assessment.unit.name))
    return rows


@dataclass
class GroupsWaiting:
    """A village's five-good group ratings of one round waiting at a stage where the user acts:
    one row on 待我处理 for all of them, leading to the village's 五好小组评定 page."""

    round: Round
    village: OrgUnit
    stage: Stage
    groups: int = 0
    due: date | None = None
    on_behalf: bool = False  # the township enters the rating of a village without an account

    @property
    def overdue(self) -> bool:
        return bool(self.due and self.due < timezone.localdate())


def group_ratings_waiting_for(user) -> list[GroupsWaiting]:
    """The villages whose group ratings wait for the user's level: the council rating them (its
    township for a village without an operator account), or the township deciding them. Overdue
    first, then by due date, then by village."""
    levels = {role.unit.level for role in roles_of(user) if CHAIN_ACTORS.get(role.unit.level)}
    if not levels & {Level.VILLAGE, Level.TOWNSHIP}:
        return []
    candidates = (
        assessments_for_user(user)
        .filter(state=AssessmentState.OPEN, parent__isnull=True, title=TitleKind.FIVE_GOOD_GROUP)
        .select_related("round", "access_unit", "access_unit__township", "standard")
    )
    found: dict[tuple[int, int, int], GroupsWaiting | None] = {}
    for row in rows_for(candidates):
        if row.stage is None:
            continue
        rating = row.assessment
        key = (rating.round_id, rating.access_unit_id, row.stage.level)
        if key not in found:
            # Who acts is the same for every group of the village at one stage: asked once.
            found[key] = None
            if group_rules.acts_for(user, rating, row.stage.level):
                own = acts_at_level(user, rating.access_unit, row.stage.level)
                found[key] = GroupsWaiting(
                    rating.round, rating.access_unit, row.stage, on_behalf=not own
                )
        waiting = found[key]
        if waiting is not None:
            waiting.groups += 1
            if row.due and (waiting.due is None or row.due < waiting.due):
                waiting.due = row.due
    rows = [w for w in found.values() if w is not None]
    far = date.max
    rows.sort(key=lambda w: (not w.overdue, w.due or far, w.village.name))
    return rows


def waiting_at(user, unit: OrgUnit) -> list[Row]:
    """Open assessments the user sees in the unit's subtree whose current stage is decided at the
    unit's own level (what its officers have on their desks), overdue first: a leader's view."""
    column = LEVEL_COLUMNS.get(unit.level)
    if column is None:
        return []
    candidates = (
        assessments_for_user(user)
        .filter(state=AssessmentState.OPEN, parent__isnull=True)
        .filter(Q(unit=unit) | Q(**{f"unit__{column}": unit}))
        .select_related("unit", "unit__township", "round", "access_unit", "standard")
    )
    rows = [row for row in rows_for(candidates) if row.stage and row.stage.level == unit.level]
    far = date.max
    rows.sort(key=lambda r: (not r.overdue, r.due or far, r.assessment.unit.name))
    return rows


def filter_waiting(rows: list[Row], q: str = "", title: str = "", overdue: bool = False) -> list:
    """The waiting rows whose unit's name holds `q`, of the title, overdue only if asked."""
    q = q.strip()
    return [
        row
        for row in rows
        if (not q or q in row.assessment.unit.name)
        and (not title or row.assessment.title == title)
        and (not overdue or row.overdue)
    ]


def outcomes_of(assessments: list[Assessment]) -> dict[int, Outcome]:
    """Each assessment's outcome at its own stage, in one read of the scores and one of each
    standard: a list of any length costs the same few queries."""
    marks: dict[int, dict[int, tuple[int, ItemMark]]] = {a.pk: {} for a in assessments}
    stage_of = {a.pk: a.stage for a in assessments}
    rows = Score.objects.filter(assessment__in=list(marks), is_current=True).values_list(
        "assessment_id", "item_id", "stage", "points", "veto_violated"
    )
    for assessment_id, item_id, stage, points, veto in rows:
        if stage > stage_of[assessment_id]:
            continue
        seen = marks[assessment_id].get(item_id)
        if seen is None or stage > seen[0]:
            marks[assessment_id][item_id] = (stage, ItemMark(points=points, veto_violated=veto))
    sections: dict[int, list] = {a.standard_id: [] for a in assessments}
    for section in (
        Section.objects.filter(standard__in=list(sections))
        .prefetch_related("items")
        .order_by("standard", "position")
    ):
        sections[section.standard_id].append(section)
    outcomes = {}
    for assessment in assessments:
        standard = assessment.standard
        effective = {item: mark for item, (_stage, mark) in marks[assessment.pk].items()}
        outcomes[assessment.pk] = evaluate(standard, effective, sections[standard.pk])
    return outcomes


def sort_waiting(
    rows: list[Row], outcomes: dict[int, Outcome], passing_only: bool = False, sort: str = ""
) -> list[Row]:
    """只看达标 and the reviewer's order: by township (same-name villages apart), or by total."""
    if passing_only or sort == "total":
        if passing_only:
            rows = [row for row in rows if outcomes[row.assessment.pk].passes]
        if sort == "total":
            rows = sorted(rows, key=lambda row: -outcomes[row.assessment.pk].total)
    if sort == "township":
        rows = sorted(
            rows, key=lambda row: (_township_name(row.assessment), row.assessment.unit.name)
        )
    return rows


def _township_name(assessment: Assessment) -> str:
    township = assessment.unit.township
    return township.name if township else ""


# --- the assessment sheet --------------------------------------------------------------------


@dataclass
class Cell:
    score: Score | None
    editable: bool = False


@dataclass
class SheetRow:
    item: Item
    cells: list[Cell]
    latest: Score | None
    gap: Decimal | None
    reading: metrics.Reading | None
    history: list[Score] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    comments: list = field(default_factory=list)
    differs: bool = False
    editable: bool = False
    fields: dict | None = None


@dataclass
class SheetSection:
    section: object
    rows: list[SheetRow]
    subtotals: list[Decimal | None]


def readings_of(assessment: Assessment) -> dict[int, metrics.Reading]:
    """The registers' reading of each bound item, computed once per page (metrics can be slow)."""
    year = assessment.round.year
    found = {}
    for item in Item.objects.filter(section__standard=assessment.standard).exclude(metric=""):
        reading = metrics.reading_for(item, assessment.unit, year)
        if reading is not None:
            found[item.pk] = reading
    return found


def sheet(
    assessment: Assessment,
    editable_items: set[int] | None,
    readings: dict[int, metrics.Reading] | None = None,
) -> dict:
    """Every section and item with its score at every stage, the gap, the history, the evidence,
    the comments, and the subtotals and totals per stage; `editable_items` are the item ids the
    current user may change at the current stage (None: none)."""
    stages = stages_of(assessment)
    scores = list(
        Score.objects.filter(assessment=assessment).select_related("author").order_by("id")
    )
    current: dict[tuple[int, int], Score] = {}
    history: dict[int, list[Score]] = {}
    for score in scores:
        history.setdefault(score.item_id, []).append(score)
        if score.is_current:
            current[(score.item_id, score.stage)] = score
    evidence: dict[str, list[Evidence]] = {}
    for file in Evidence.objects.filter(
        content_type__app_label="assessments",
        content_type__model="assessment",
        object_id=assessment.pk,
    ).select_related("uploaded_by"):
        evidence.setdefault(file.slot, []).append(file)
    comments: dict[int | None, list] = {}
    for comment in assessment.comments.select_related("author").order_by("id"):
        comments.setdefault(comment.item_id, []).append(comment)
    readings = readings_of(assessment) if readings is None else readings
    reached = range(assessment.stage + 1)
    sections = []
    for section in sections_with_items(assessment.standard):
        rows = []
        for item in section.items.all():
            cells = []
            for stage in stages:
                cells.append(
                    Cell(
                        current.get((item.pk, stage.position)),
                        editable=bool(
                            editable_items is not None
                            and stage.position == assessment.stage
                            and item.pk in editable_items
                        ),
                    )
                )
            scored = [c.score for c in cells if c.score and c.score.stage in reached]
            latest = scored[-1] if scored else None
            points = [c.score.points for c in cells if c.score and c.score.points is not None]
            rows.append(
                SheetRow(
                    item=item,
                    cells=cells,
                    latest=latest,
                    gap=item.points - latest.points
                    if latest and latest.points is not None
                    else None,
                    reading=readings.get(item.pk),
                    history=history.get(item.pk, []),
                    evidence=evidence.get(f"item-{item.pk}", []),
                    comments=comments.get(item.pk, []),
                    differs=len(set(points)) > 1,
                    editable=any(c.editable for c in cells),
                )
            )
        sections.append(SheetSection(section, rows, []))
    outcomes = []
    for stage in stages:
        if stage.position > assessment.stage:
            outcomes.append(None)
            continue
        outcomes.append(outcome_at(assessment, stage.position))
    for entry in sections:
        entry.subtotals = [
            o.section_totals.get(entry.section.pk) if o is not None else None for o in outcomes
        ]
    return {
        "stages": stages,
        "sections": sections,
        "outcomes": outcomes,
        "totals": [o.total if o is not None else None for o in outcomes],
        "general_evidence": evidence.get("", []),
        "general_comments": comments.get(None, []),
    }


# --- rounds: at a glance ---------------------------------------------------------------------


def applicable_units(user, round_: Round) -> list[tuple[str, OrgUnit]]:
    """(title, unit) pairs the user may still apply for in this round."""
    pairs = []
    titles = list(round_.titles.select_related("standard"))
    applied = set(Assessment.objects.filter(round=round_).values_list("title", "unit_id"))
    for round_title in titles:
        if round_title.title == TitleKind.FIVE_GOOD_GROUP:
            continue
        first = round_title.standard.ordered_stages()[0]
        for role in roles_of(user):
            unit = role.unit
            if (
                unit.level == first.level
                and unit.is_active
                and round_.organiser.contains(unit)
                and (round_title.title, unit.pk) not in applied
                and acts_at_level(user, unit, first.level)
            ):
                pairs.append((TitleKind(round_title.title), unit))
    seen = set()
    unique = []
    for title, unit in pairs:
        if (title, unit.pk) not in seen:
            seen.add((title, unit.pk))
            unique.append((title, unit))
    return unique


def townships_of(round_: Round, user) -> QuerySet[OrgUnit]:
    return (
        visible_units(user)
        .filter(level=Level.TOWNSHIP)
        .filter(**{f"{LEVEL_COLUMNS[round_.organiser.level]}_id": round_.organiser_id})
        .order_by("division_code", "name")
    )
