"""What the printed forms show, read from the assessment chain and the registers.

The 评估表 (assessment sheet) lays out, per section and item, the paper form's columns — item,
current state, self score, township score, gap, corrective measures — then the county's and the
city's where the chain has them. The 验收审批表 (application and approval form) takes the unit's
figures from the registers and each level's opinion from the transitions and comments. Both are
pure reads; the views reach the assessment through the access helper first.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.templatetags import people
from assessments import group_rules
from assessments.models import (
    Assessment,
    AssessmentState,
    Comment,
    Score,
    Transition,
    TransitionAction,
)
from assessments.services import effective_marks, outcome_at, stages_of
from orgs.models import Level, OrgUnit
from registers.models import (
    AssociationProfile,
    MemberStatus,
    Post,
    PostKind,
    ServiceActivity,
    Training,
)
from registers.selectors import subtree_members
from standards.models import Item, Section, StageKind
from standards.scoring import ItemMark, Outcome

# The paper forms' short names of the acting levels (乡镇验收, 县协会意见…).
LEVEL_SHORT = {
    Level.CITY: pgettext_lazy("acting level, short", "City"),
    Level.COUNTY: pgettext_lazy("acting level, short", "County"),
    Level.TOWNSHIP: pgettext_lazy("acting level, short", "Township"),
    Level.VILLAGE: pgettext_lazy("acting level, short", "Village"),
}
COUNCIL_POSTS = (
    PostKind.PRESIDENT,
    PostKind.VICE_PRESIDENT,
    PostKind.SECRETARY_GENERAL,
    PostKind.COUNCIL_MEMBER,
)
MOVES = (
    TransitionAction.SUBMIT,
    TransitionAction.PASS,
    TransitionAction.RETURN,
    TransitionAction.AWARD,
    TransitionAction.NOT_AWARD,
    TransitionAction.WITHDRAW,
)


def person(user) -> str:
    """A user as the pages name them (accounts' `person`), but blank for none: a printed form
    leaves the line empty for a pen."""
    return "" if user is None else people.person(user)


def level_short(level: int) -> str:
    return str(LEVEL_SHORT.get(level, Level(level).label))


# --- the assessment sheet (评估表) -------------------------------------------------------------


@dataclass
class Column:
    stage: int
    heading: str
    reached: bool
    is_spot_check: bool


@dataclass
class Cell:
    points: Decimal | None = None
    veto_violated: bool | None = None
    # Not scored at this stage: the earlier stage's mark stands (shown greyed).
    carried: bool = False
    # Differs from the mark that stood at the stage before.
    differs: bool = False
    author: str = ""

    @property
    def empty(self) -> bool:
        return self.points is None and self.veto_violated is None


@dataclass
class Row:
    item: Item
    current_state: str
    metric_value: str
    cells: list[Cell]
    gap: Decimal | None
    measures: str
    # Returned for change: only these items reopen at the stage.
    reopened: bool = False


@dataclass
class SectionBlock:
    section: Section
    rows: list[Row]
    subtotals: list[Decimal | None]


@dataclass
class GroupLine:
    unit: OrgUnit
    is_migrant: bool
    total: Decimal
    passes: bool
    state: str


@dataclass
class Sheet:
    assessment: Assessment
    unit: OrgUnit
    columns: list[Column]
    sections: list[SectionBlock]
    totals: list[Decimal | None]
    full_points: Decimal
    outcome: Outcome
    reasons: list[str]
    groups: list[GroupLine]
    current_stage_heading: str
    printed_at: datetime

    @property
    def lead_columns(self) -> list[Column]:
        """The paper form's own two score columns (self, township), before gap and measures."""
        return self.columns[:2]

    @property
    def later_columns(self) -> list[Column]:
        return self.columns[2:]

    @property
    def decided(self) -> bool:
        return self.assessment.state != AssessmentState.OPEN


def column_heading(stage) -> str:
    if stage.position == 0 and stage.kind == StageKind.SELF_ASSESSMENT:
        return _("%(level)s self-score") % {"level": level_short(stage.level)}
    return _("%(level)s %(stage)s") % {
        "level": level_short(stage.level),
        "stage": stage.get_kind_display(),
    }


def _reached(assessment: Assessment, stage: int) -> bool:
    return stage <= assessment.stage


def _latest_text(scores: dict[int, Score], attribute: str) -> str:
    for stage in sorted(scores, reverse=True):
        text = getattr(scores[stage], attribute)
        if text:
            return text
    return ""


def _subtotal(items, marks: dict[int, ItemMark]) -> Decimal:
    return sum(((marks[i.pk].points or Decimal("0")) for i in items if i.pk in marks), Decimal("0"))


def assessment_sheet(assessment: Assessment) -> Sheet:
    stages = stages_of(assessment)
    columns = [
        Column(
            stage=stage.position,
            heading=column_heading(stage),
            reached=_reached(assessment, stage.position),
            is_spot_check=stage.is_spot_check,
        )
        for stage in stages
    ]
    marks_at = {c.stage: effective_marks(assessment, c.stage) if c.reached else {} for c in columns}
    own: dict[int, dict[int, Score]] = {}
    rows = Score.objects.filter(assessment=assessment, is_current=True).select_related("author")
    for score in rows:
        own.setdefault(score.item_id, {})[score.stage] = score
    reopened = set(assessment.reopened_items or []) if assessment.is_open else set()
    sections = []
    totals: list[Decimal | None] = [Decimal("0") if c.reached else None for c in columns]
    for section in assessment.standard.sections.prefetch_related("items").order_by("position"):
        items = list(section.items.all())
        block_rows = []
        for item in items:
            scores = own.get(item.pk, {})
            cells = []
            previous: ItemMark | None = None
            for column in columns:
                mark = marks_at[column.stage].get(item.pk)
                score = scores.get(column.stage)
                cell = Cell()
                if score is not None:
                    cell = Cell(
                        points=score.points,
                        veto_violated=score.veto_violated,
                        differs=previous is not None
                        and (previous.points, previous.veto_violated)
                        != (score.points, score.veto_violated),
                        author=person(score.author),
                    )
                elif column.reached and mark is not None:
                    cell = Cell(points=mark.points, veto_violated=mark.veto_violated, carried=True)
                cells.append(cell)
                if column.reached and mark is not None:
                    previous = mark
            latest = marks_at[assessment.stage].get(item.pk)
            gap = None
            if latest is not None and latest.points is not None:
                gap = item.points - latest.points
            block_rows.append(
                Row(
                    item=item,
                    current_state=_latest_text(scores, "current_state"),
                    metric_value=_latest_text(scores, "metric_value"),
                    cells=cells,
                    gap=gap,
                    measures=_latest_text(scores, "measures"),
                    reopened=item.pk in reopened,
                )
            )
        subtotals = [_subtotal(items, marks_at[c.stage]) if c.reached else None for c in columns]
        for index, value in enumerate(subtotals):
            if value is not None:
                totals[index] += value
        sections.append(SectionBlock(section=section, rows=block_rows, subtotals=subtotals))
    outcome = outcome_at(assessment)
    return Sheet(
        assessment=assessment,
        unit=assessment.unit,
        columns=columns,
        sections=sections,
        totals=totals,
        full_points=sum((s.section.points for s in sections), Decimal("0")),
        outcome=outcome,
        reasons=outcome.reasons(assessment.standard),
        groups=_group_lines(assessment),
        current_stage_heading=columns[assessment.stage].heading,
        printed_at=timezone.now(),
    )


def _group_lines(assessment: Assessment) -> list[GroupLine]:
    """The five-good ratings carried by a village's assessment, migrant groups marked."""
    lines = []
    ratings = group_rules.ratings_with(assessment).select_related(
        "unit", "standard", "round", "parent"
    )
    for rating in ratings.order_by("unit__parent__name", "unit__name", "pk"):
        outcome = outcome_at(rating, rating.stage)
        lines.append(
            GroupLine(
                unit=rating.unit,
                is_migrant=rating.unit.parent_id != assessment.unit_id,
                total=outcome.total,
                passes=outcome.passes,
                state=rating.get_state_display(),
            )
        )
    return lines


# --- the application and approval form (验收审批表) --------------------------------------------


@dataclass
class Fact:
    label: str
    # None: the system does not hold it; the form leaves a visible blank to fill by hand.
    value: str | None
    note: str = ""


@dataclass
class Opinion:
    heading: str
    stage: int
    reached: bool
    lines: list[str] = field(default_factory=list)
    signer: str = ""
    date: datetime | None = None


@dataclass
class ApprovalForm:
    assessment: Assessment
    unit: OrgUnit
    year: int
    facts: list[Fact]
    inspectors: list[str]
    opinions: list[Opinion]
    total: Decimal
    full_points: Decimal
    passes: bool
    printed_at: datetime


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _money(value: Decimal) -> str:
    return _("%(amount)s yuan") % {"amount": f"{value:,.2f}"}


def register_facts(unit: OrgUnit, year: int) -> list[Fact]:
    """The form's figures that the registers hold; the others are left blank on purpose."""
    subtree = OrgUnit.objects.subtree_of(unit)
    members = subtree_members(unit).filter(status=MemberStatus.ACTIVE).count()
    groups = subtree.filter(level=Level.GROUP, status="active").count()
    migrant = 0
    if unit.level == Level.VILLAGE:
        migrant = (
            OrgUnit.objects.filter(level=Level.GROUP, home_village=unit, status="active")
            .exclude(parent=unit)
            .count()
        )
    current_posts = Post.objects.filter(unit=unit, end_date__isnull=True)
    council = current_posts.filter(kind__in=COUNCIL_POSTS)
    council_count = len({(p.member_id or 0, "" if p.member_id else p.holder_name) for p in council})
    holders = {
        p.kind: p.holder_name
        for p in current_posts
        if p.kind in (PostKind.PRESIDENT, PostKind.SECRETARY_GENERAL)
    }
    leaders = Post.objects.filter(
        unit__parent=unit,
        unit__level=Level.GROUP,
        kind=PostKind.GROUP_LEADER,
        end_date__isnull=True,
    ).count()
    profile = AssociationProfile.objects.filter(unit=unit, year=year).first()
    activities = ServiceActivity.objects.filter(unit__in=subtree.values("pk"), date__year=year)
    activity_totals = activities.aggregate(n=Count("pk"), served=Sum("people_served"))
    carriers = sorted(
        set(activities.values_list("carrier__name", flat=True)), key=lambda name: name
    )
    trainings = Training.objects.filter(organiser__in=subtree.values("pk"), date__year=year).count()

    not_held = _("not kept in the system: fill in by hand")
    groups_text = str(groups)
    if migrant:
        groups_text = _("%(count)s, and %(migrant)s migrant groups of the urban branch") % {
            "count": groups,
            "migrant": migrant,
        }
    organisation = _(
        "President: %(president)s; secretary-general: %(secretary)s; %(council)s council "
        "members; group leaders in %(leaders)s of %(groups)s groups."
    ) % {
        "president": holders.get(PostKind.PRESIDENT) or _("vacant"),
        "secretary": holders.get(PostKind.SECRETARY_GENERAL) or _("vacant"),
        "council": council_count,
        "leaders": leaders,
        "groups": subtree.filter(parent=unit, level=Level.GROUP, status="active").count(),
    }
    venue = None
    funds = None
    if profile is not None:
        venue = _yes_no(profile.has_venue)
        if profile.has_venue and profile.venue_area:
            venue = _("Yes, %(area)s m²") % {"area": profile.venue_area}
        funds = _money(profile.funds_village_committee)
    return [
        Fact(
            _("Population (people)"),
            _("%(count)s people") % {"count": unit.population}
            if unit.population is not None
            else None,
        ),
        Fact(_("Number of council members"), str(council_count)),
        Fact(_("Number of association groups"), groups_text),
        Fact(_("Number of members"), str(members)),
        Fact(_("Per-capita income"), None, not_held),
        Fact(
            _("Association funds invested by the village"),
            funds,
            "" if profile else _("no association profile for the year"),
        ),
        Fact(
            _("Activity venue"), venue, "" if profile else _("no association profile for the year")
        ),
        Fact(_("Family-planning qualified or basically qualified village"), None, not_held),
        Fact(_("Organisation building"), organisation),
        Fact(
            _("Activities held"),
            _(
                "%(activities)s service activities serving %(served)s people; %(trainings)s "
                "trainings"
            )
            % {
                "activities": activity_totals["n"],
                "served": activity_totals["served"] or 0,
                "trainings": trainings,
            },
        ),
        Fact(
            _("Assistance activities run (carriers)"),
            "、".join(carriers) if carriers else _("none recorded"),
        ),
    ]


def opinion_heading(stage) -> str:
    if stage.position == 0:
        return _("Opinion of the applicant")
    return _("Opinion of the %(level)s association (%(stage)s)") % {
        "level": level_short(stage.level),
        "stage": stage.get_kind_display(),
    }


def _opinions(assessment: Assessment) -> list[Opinion]:
    transitions = list(
        Transition.objects.filter(assessment=assessment, action__in=MOVES)
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    comments = list(
        Comment.objects.filter(assessment=assessment, item__isnull=True)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    opinions = []
    for stage in stages_of(assessment):
        opinion = Opinion(
            heading=opinion_heading(stage),
            stage=stage.position,
            reached=_reached(assessment, stage.position),
        )
        entries: list[tuple[datetime, str]] = []
        for comment in comments:
            if comment.stage == stage.position:
                entries.append((comment.created_at, comment.text))
        for move in transitions:
            if move.from_stage != stage.position:
                continue
            text = move.get_action_display()
            if move.reason:
                text = _("%(action)s: %(reason)s") % {"action": text, "reason": move.reason}
            entries.append((move.created_at, text))
            # The last move from the stage is the level's word on it: who signs, and when.
            opinion.signer = person(move.actor)
            opinion.date = move.created_at
        opinion.lines = [text for _at, text in sorted(entries, key=lambda e: e[0])]
        opinions.append(opinion)
    return opinions


def _inspectors(assessment: Assessment) -> list[str]:
    """Whoever scored or moved the assessment at a reviewing stage."""
    names: list[str] = []
    scorers = Score.objects.filter(assessment=assessment, stage__gt=0).select_related("author")
    movers = Transition.objects.filter(
        Q(assessment=assessment), Q(from_stage__gt=0), Q(action__in=MOVES)
    ).select_related("actor")
    for user in [s.author for s in scorers] + [m.actor for m in movers]:
        name = person(user)
        if name and name not in names:
            names.append(name)
    return names


def approval_form(assessment: Assessment) -> ApprovalForm:
    outcome = outcome_at(assessment)
    return ApprovalForm(
        assessment=assessment,
        unit=assessment.unit,
        year=assessment.round.year,
        facts=register_facts(assessment.unit, assessment.round.year),
        inspectors=_inspectors(assessment),
        opinions=_opinions(assessment),
        total=outcome.total,
        full_points=assessment.standard.total_points,
        passes=outcome.passes,
        printed_at=timezone.now(),
    )
