"""The campaigns' reads that pages, reports and services share (read-only)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import standing
from assessments.models import Assessment, AssessmentState
from assessments.services import outcome_at
from campaigns import checks, plan_levels, rollups
from campaigns import targets as t
from campaigns.plan_models import (
    Campaign,
    CreationPlan,
    Pilot,
    PlanStatus,
    PlanVersion,
    Standing,
    SurveyEntry,
    TownshipTarget,
)
from orgs.models import Category, Level, OrgUnit
from standards.models import Standard, TitleKind

VILLAGE_TITLES = (TitleKind.QUALIFIED_VILLAGE, TitleKind.FIRST_CLASS_VILLAGE)
SHARE_FIELDS = ("five_good_share", "qualified_share", "first_class_share")


def campaigns_for(unit: OrgUnit):
    """Campaigns whose organiser is the unit or one of its ancestors, newest first."""
    return Campaign.objects.filter(organiser_id__in=[*unit.ancestor_ids(), unit.pk]).select_related(
        "organiser"
    )


def townships_of(campaign: Campaign):
    unit = campaign.organiser
    return (
        OrgUnit.objects.active()
        .subtree_of(unit)
        .filter(level=Level.TOWNSHIP)
        .exclude(category=Category.URBAN_BRANCH)
        .order_by("division_code", "name", "pk")
    )


def villages_of(township: OrgUnit):
    return OrgUnit.objects.active().filter(level=Level.VILLAGE, township_id=township.pk)


def in_campaign(campaign: Campaign, unit: OrgUnit) -> bool:
    return campaign.organiser.contains(unit)


def campaign_targets(campaign: Campaign) -> t.Targets:
    return t.Targets(
        five_good_share=campaign.five_good_share,
        qualified_share=campaign.qualified_share,
        first_class_share=campaign.first_class_share,
        first_class_base=campaign.first_class_base,
        advanced_townships=campaign.advanced_townships,
    )


def township_targets(campaign: Campaign, township: OrgUnit) -> t.Targets:
    """The township's own figures where set, the campaign's elsewhere."""
    return townships_targets(campaign, [township.pk])[township.pk]


def townships_targets(campaign: Campaign, township_ids: Iterable[int]) -> dict[int, t.Targets]:
    """`township_targets` for many townships in one query (the league tables')."""
    ids = list(township_ids)
    base = campaign_targets(campaign)
    inherited = t.Targets(**{**base.__dict__, "advanced_townships": None})
    own = TownshipTarget.objects.filter(campaign=campaign, township_id__in=ids)
    result = dict.fromkeys(ids, inherited)
    for target in own:
        values = {
            name: getattr(target, name)
            if getattr(target, name) is not None
            else getattr(base, name)
            for name in SHARE_FIELDS
        }
        result[target.township_id] = t.Targets(**values, first_class_base=base.first_class_base)
    return result


def standings(villages, year: int | None = None) -> dict[int, str]:
    """Each village's standing in `year` (by default this year): first-class, else qualified,
    else none, by the one rule of assessments/standing.py."""
    ids = [v.pk for v in villages]
    year = timezone.localdate().year if year is None else year
    held = standing.village_standings(ids, [year])
    words = {
        TitleKind.FIRST_CLASS_VILLAGE: Standing.FIRST_CLASS.value,
        TitleKind.QUALIFIED_VILLAGE: Standing.QUALIFIED.value,
        "": Standing.NONE.value,
    }
    return {pk: words[held.get(pk, {}).get(year, "")] for pk in ids}


def current_counts(unit: OrgUnit, year: int, campaign: Campaign | None = None) -> t.Counts:
    """The unit's counts for the targets: the roll-ups' figures, kept current by every decision,
    with the enterprise associations among the villages if the campaign counts them."""
    figures = rollups.figures(unit, year)
    return campaign.counts_of(figures) if campaign is not None else t.Counts.of(figures)


# --- baseline survey -------------------------------------------------------------------------


@dataclass
class SurveyLine:
    village: OrgUnit
    standing: str
    section_scores: list[dict]
    assessment: Assessment | None
    gaps: str
    notes: str = ""
    stored: SurveyEntry | None = None
    prefill: "SurveyLine | None" = field(default=None, repr=False)

    @property
    def standing_label(self) -> str:
        return Standing(self.standing).label

    @property
    def next_title(self) -> str | None:
        return NEXT_TITLE.get(self.standing)


NEXT_TITLE = {
    Standing.NONE.value: TitleKind.QUALIFIED_VILLAGE,
    Standing.QUALIFIED.value: TitleKind.FIRST_CLASS_VILLAGE,
}


def last_assessment(village: OrgUnit) -> Assessment | None:
    return (
        Assessment.objects.filter(unit=village, title__in=VILLAGE_TITLES)
        .exclude(state=AssessmentState.WITHDRAWN)
        .select_related("standard", "round")
        .order_by("-round__year", "-created_at", "-pk")
        .first()
    )


def number(value) -> str:
    """40.0 → "40", 12.5 → "12.5": scores as people write them."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text


def _section_scores(assessment: Assessment) -> list[dict]:
    outcome = outcome_at(assessment)
    return [
        {
            "section": section.name,
            "points": number(section.points),
            "score": number(outcome.section_totals.get(section.pk, Decimal("0"))),
        }
        for section in assessment.standard.sections.order_by("position")
    ]


def gaps_to(next_title: str | None, assessment: Assessment | None, scores: list[dict]) -> str:
    """The gaps to the next title: the next title's standard against the last section scores."""
    if next_title is None:
        return _("Holds the highest title; keep it up.")
    if assessment is not None and assessment.title == next_title:
        outcome = outcome_at(assessment)
        reasons = outcome.reasons(assessment.standard)
        if not reasons:
            return _("The last assessment for this title meets its pass rule.")
        return "；".join(reasons)
    standard = Standard.objects.filter(title=next_title).order_by("-version").first()
    if standard is None or assessment is None:
        return _("No assessment yet: the whole standard for “%(title)s” is to be met.") % {
            "title": TitleKind(next_title).label
        }
    by_name = {row["section"]: Decimal(row["score"]) for row in scores}
    gaps, total = [], Decimal("0")
    for section in standard.sections.order_by("position"):
        score = by_name.get(section.name)
        total += score or Decimal("0")
        minimum = section.min_points
        if minimum is not None and (score or Decimal("0")) < minimum:
            gaps.append(
                _("“%(section)s”: %(score)s of at least %(minimum)s")
                % {"section": section.name, "score": number(score or 0), "minimum": number(minimum)}
            )
    if total < standard.pass_total:
        gaps.append(
            _("total %(total)s of at least %(minimum)s")
            % {"total": number(total), "minimum": number(standard.pass_total)}
        )
    if not gaps:
        return _("The last scores already meet the pass rule for “%(title)s”.") % {
            "title": TitleKind(next_title).label
        }
    return "；".join(gaps)


def prefilled_line(village: OrgUnit, standing: str) -> SurveyLine:
    assessment = last_assessment(village)
    scores = _section_scores(assessment) if assessment else []
    return SurveyLine(
        village=village,
        standing=standing,
        section_scores=scores,
        assessment=assessment,
        gaps=gaps_to(NEXT_TITLE.get(standing), assessment, scores),
    )


def survey_lines(campaign: Campaign, township: OrgUnit, *, with_prefill: bool = False):
    """Every village of the township: the saved line where there is one, else the prefill."""
    villages = list(villages_of(township).order_by("division_code", "name", "pk"))
    stored = {
        e.village_id: e
        for e in SurveyEntry.objects.filter(campaign=campaign, village__in=villages).select_related(
            "assessment"
        )
    }
    by_standing = standings(villages)
    lines = []
    for village in villages:
        entry = stored.get(village.pk)
        prefill = None
        if entry is None or with_prefill:
            prefill = prefilled_line(village, by_standing[village.pk])
        if entry is None:
            lines.append(prefill)
            continue
        lines.append(
            SurveyLine(
                village=village,
                standing=entry.standing,
                section_scores=entry.section_scores,
                assessment=entry.assessment,
                gaps=entry.gaps,
                notes=entry.notes,
                stored=entry,
                prefill=prefill,
            )
        )
    return lines


def survey_line(campaign: Campaign, village: OrgUnit) -> SurveyLine:
    """One village's line, with the prefill beside a saved one (the line's editor)."""
    prefill = prefilled_line(village, standings([village])[village.pk])
    entry = SurveyEntry.objects.filter(campaign=campaign, village=village).first()
    if entry is None:
        return prefill
    return SurveyLine(
        village=village,
        standing=entry.standing,
        section_scores=entry.section_scores,
        assessment=entry.assessment,
        gaps=entry.gaps,
        notes=entry.notes,
        stored=entry,
        prefill=prefill,
    )


# --- five-year creation plans ----------------------------------------------------------------


def plan_for(campaign: Campaign, township: OrgUnit) -> CreationPlan | None:
    return CreationPlan.objects.filter(campaign=campaign, township=township).first()


def draft_years(plan: CreationPlan | None) -> dict[int, tuple[int | None, int | None]]:
    if plan is None:
        return {}
    return {
        e.village_id: (e.qualified_year, e.first_class_year)
        for e in plan.entries.filter(version__isnull=True)
    }


def version_years(version: PlanVersion) -> dict[int, tuple[int | None, int | None]]:
    return {e.village_id: (e.qualified_year, e.first_class_year) for e in version.entries.all()}


def plan_rows(
    campaign: Campaign, township: OrgUnit, years: dict[int, tuple[int | None, int | None]]
) -> list[checks.PlanRow]:
    """The plan's rows for the checks, on the standings of the baseline survey (as saved, or as
    it would be prefilled): two queries besides the villages, as the live checks run on every
    change in the editor."""
    villages = list(villages_of(township).order_by("division_code", "name", "pk"))
    surveyed = dict(
        SurveyEntry.objects.filter(campaign=campaign, village__in=villages).values_list(
            "village_id", "standing"
        )
    )
    from_titles = standings([v for v in villages if v.pk not in surveyed])
    return [
        checks.PlanRow(
            village.pk,
            village.name,
            surveyed.get(village.pk) or from_titles[village.pk],
            *years.get(village.pk, (None, None)),
        )
        for village in villages
    ]


def plan_findings(
    campaign: Campaign, township: OrgUnit, rows: list[checks.PlanRow]
) -> list[checks.Finding]:
    plan = plan_for(campaign, township)
    return checks.check_plan(
        rows,
        campaign.first_year,
        campaign.last_year,
        township_targets(campaign, township),
        group_steps=plan_levels.group_steps(plan),
    ) + plan_levels.findings(campaign, plan)


def approved_version(plan: CreationPlan | None) -> PlanVersion | None:
    if plan is None:
        return None
    return plan.versions.filter(status=PlanStatus.APPROVED).order_by("-number").first()


# --- pilots ----------------------------------------------------------------------------------


def pilots_of(campaign: Campaign, township: OrgUnit, year: int):
    return Pilot.objects.filter(campaign=campaign, township=township, year=year).select_related(
        "village"
    )


def pilot_findings(
    campaign: Campaign, township: OrgUnit, year: int, pilots=None
) -> list[checks.Finding]:
    pilots = list(pilots if pilots is not None else pilots_of(campaign, township, year))
    return checks.check_pilots(
        [checks.PilotRow(p.village_id, p.village.name, p.village.is_key_village) for p in pilots],
        population=township.population,
        large_population=campaign.large_township_population,
        has_key_village=villages_of(township).filter(is_key_village=True).exists(),
        first_year=year == campaign.first_year,
    )


def takes_plan(unit: OrgUnit) -> bool:
    """Townships, towns and streets; an urban branch has no villages of its own (its groups are
    assessed with their home villages)."""
    return unit.level == Level.TOWNSHIP and unit.category != Category.URBAN_BRANCH
