"""Campaigns, targets, baseline surveys, five-year creation plans and pilots: every write, each
with its audit event in the same transaction, and the reads the pages share.

Who acts: the organising level keeps the campaign and its targets (a county officer for a
county's campaign); a township officer keeps their township's survey, plan and pilots; the
county officer above the township approves or returns its plan.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import acts_at_level
from assessments import standing
from assessments.models import Assessment, AssessmentState
from assessments.services import outcome_at
from audit.services import record_change, record_event
from campaigns import checks, plan_levels, rollups
from campaigns import targets as t
from campaigns.plan_models import (
    Campaign,
    CreationPlan,
    FirstClassBase,
    Pilot,
    PlanEntry,
    PlanStatus,
    PlanVersion,
    Standing,
    SurveyEntry,
    TownshipTarget,
)
from orgs.models import Category, Level, OrgUnit
from standards.models import Standard, TitleKind

DEFAULT_YEARS = 5
VILLAGE_TITLES = (TitleKind.QUALIFIED_VILLAGE, TitleKind.FIRST_CLASS_VILLAGE)
SHARE_FIELDS = ("five_good_share", "qualified_share", "first_class_share")
CAMPAIGN_FIELDS = (
    "name",
    "first_year",
    "last_year",
    *SHARE_FIELDS,
    "first_class_base",
    "advanced_townships",
    "enterprises_count_as_villages",
    "large_township_population",
)


# --- who may act -----------------------------------------------------------------------------


def keeps_campaign(user, campaign_or_unit) -> bool:
    organiser = getattr(campaign_or_unit, "organiser", campaign_or_unit)
    if organiser.level > Level.COUNTY:
        return False
    if user is None:
        return True
    if getattr(user, "is_superuser", False):
        return True
    return acts_at_level(user, organiser, organiser.level)


def keeps_township(user, township: OrgUnit) -> bool:
    """The township officer of this township keeps its survey, plan and pilots."""
    return user is None or acts_at_level(user, township, Level.TOWNSHIP)


def approves_plans(user, township: OrgUnit) -> bool:
    """The county officer above the township; `user` None is the system (the demo)."""
    return user is None or acts_at_level(user, township, Level.COUNTY)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- reading ---------------------------------------------------------------------------------


def takes_plan(unit: OrgUnit) -> bool:
    """Townships, towns and streets; an urban branch has no villages of its own (its groups are
    assessed with their home villages)."""
    return unit.level == Level.TOWNSHIP and unit.category != Category.URBAN_BRANCH


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


# --- campaigns and targets -------------------------------------------------------------------


def _clean_campaign(values: dict[str, Any], organiser: OrgUnit, exclude: int | None) -> None:
    errors: dict[str, list[str]] = {}
    if not (values.get("name") or "").strip():
        errors.setdefault("name", []).append(_("Give the campaign a name."))
    first, last = values.get("first_year"), values.get("last_year")
    if not isinstance(first, int) or not 2000 <= first <= 2100:
        errors.setdefault("first_year", []).append(_("Enter a year between 2000 and 2100."))
    elif not isinstance(last, int) or not first <= last <= first + 9:
        errors.setdefault("last_year", []).append(
            _("The last year is the first year or up to nine years after it (five years: %(y)s).")
            % {"y": first + DEFAULT_YEARS - 1}
        )
    for name in SHARE_FIELDS:
        value = values.get(name)
        if value is None or not Decimal("0") <= Decimal(value) <= Decimal("100"):
            errors.setdefault(name, []).append(_("Enter a percentage from 0 to 100."))
    if values.get("first_class_base") not in FirstClassBase.values:
        errors.setdefault("first_class_base", []).append(_("Choose what the share is counted of."))
    population = values.get("large_township_population")
    if not isinstance(population, int) or population < 1:
        errors.setdefault("large_township_population", []).append(
            _("Enter the population above which a township counts as large.")
        )
    if organiser.level > Level.COUNTY:
        errors.setdefault("organiser", []).append(
            _("A campaign is organised by a county or a higher level.")
        )
    same_name = Campaign.objects.filter(
        organiser=organiser, name=(values.get("name") or "").strip()
    )
    if same_name.exclude(pk=exclude).exists():
        errors.setdefault("name", []).append(_("This unit already has a campaign of that name."))
    if isinstance(first, int) and isinstance(last, int) and "last_year" not in errors:
        overlapping = Campaign.objects.filter(
            organiser=organiser, first_year__lte=last, last_year__gte=first
        ).exclude(pk=exclude)
        for other in overlapping[:1]:
            errors.setdefault("first_year", []).append(
                _("The years overlap the campaign “%(name)s” (%(first)s–%(last)s).")
                % {"name": other.name, "first": other.first_year, "last": other.last_year}
            )
    if errors:
        raise ValidationError(errors)


def _campaign_snapshot(campaign: Campaign) -> dict[str, Any]:
    return {
        name: str(v) if isinstance(v := getattr(campaign, name), Decimal) else v
        for name in CAMPAIGN_FIELDS
    }


def do_create_campaign(
    actor, organiser: OrgUnit, *, name: str, first_year: int, last_year: int | None = None, **extra
) -> Campaign:
    """Open a five-year campaign (the plan's targets unless given). `actor` None is the system."""
    _require(keeps_campaign(actor, organiser), _("Campaigns are kept by the organising level."))
    unknown = set(extra) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValueError(f"Unknown campaign fields: {sorted(unknown)}")
    campaign = Campaign(organiser=organiser, name=(name or "").strip(), created_by=actor)
    campaign.first_year = first_year
    campaign.last_year = (
        last_year if last_year is not None else (first_year or 0) + DEFAULT_YEARS - 1
    )
    for key, value in extra.items():
        if value is not None or key == "advanced_townships":
            setattr(campaign, key, value)
    _clean_campaign(_campaign_snapshot_raw(campaign), organiser, None)
    with transaction.atomic():
        # The organiser's row serialises its campaigns' checks: two submits of the same name (or
        # of overlapping years) at once answer a form error, not a 500 (issue 14, H6).
        _lock_organiser(organiser)
        _clean_campaign(_campaign_snapshot_raw(campaign), organiser, None)
        _save_campaign(campaign)
        record_event(
            actor=actor,
            action="campaigns.campaign.create",
            obj=campaign,
            unit_id=organiser.pk,
            after=_campaign_snapshot(campaign),
        )
    return campaign


def _lock_organiser(organiser: OrgUnit) -> None:
    list(OrgUnit.objects.select_for_update(no_key=True).filter(pk=organiser.pk).values_list("pk"))


def _save_campaign(campaign: Campaign) -> None:
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError as error:  # the unique name, should a writer bypass the lock
        raise ValidationError(
            {"name": [_("This unit already has a campaign of that name.")]}
        ) from error


def _campaign_snapshot_raw(campaign: Campaign) -> dict[str, Any]:
    return {name: getattr(campaign, name) for name in CAMPAIGN_FIELDS}


def do_update_campaign(actor, campaign: Campaign, **changes: Any) -> Campaign:
    _require(keeps_campaign(actor, campaign), _("Campaigns are kept by the organising level."))
    unknown = set(changes) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValueError(f"Unknown campaign fields: {sorted(unknown)}")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(no_key=True).get(pk=campaign.pk)
        before = _campaign_snapshot(campaign)
        for key, value in changes.items():
            setattr(campaign, key, value.strip() if isinstance(value, str) else value)
        _lock_organiser(campaign.organiser)
        _clean_campaign(_campaign_snapshot_raw(campaign), campaign.organiser, campaign.pk)
        _save_campaign(campaign)
        record_change(
            actor=actor,
            action="campaigns.campaign.update",
            obj=campaign,
            unit_id=campaign.organiser_id,
            before=before,
            after=_campaign_snapshot(campaign),
        )
    return campaign


def do_set_township_target(
    actor,
    campaign: Campaign,
    township: OrgUnit,
    *,
    five_good_share: Decimal | None = None,
    qualified_share: Decimal | None = None,
    first_class_share: Decimal | None = None,
) -> TownshipTarget | None:
    """Set a township's own targets; blank figures inherit the campaign's (all blank: none)."""
    _require(keeps_campaign(actor, campaign), _("Targets are set by the organising level."))
    if not (takes_plan(township) and in_campaign(campaign, township)):
        raise ValidationError(_("Targets are set for the townships of the campaign."))
    values = {
        "five_good_share": five_good_share,
        "qualified_share": qualified_share,
        "first_class_share": first_class_share,
    }
    errors = {
        name: [_("Enter a percentage from 0 to 100.")]
        for name, value in values.items()
        if value is not None and not Decimal("0") <= Decimal(value) <= Decimal("100")
    }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        own = (
            TownshipTarget.objects.select_for_update(no_key=True)
            .filter(campaign=campaign, township=township)
            .first()
        )
        before = {
            k: str(getattr(own, k)) if own and getattr(own, k) is not None else None for k in values
        }
        after = {k: str(v) if v is not None else None for k, v in values.items()}
        if all(v is None for v in values.values()):
            if own is not None:
                own.delete()
            own = None
        else:
            own = own or TownshipTarget(campaign=campaign, township=township)
            for key, value in values.items():
                setattr(own, key, value)
            own.save()
        record_change(
            actor=actor,
            action="campaigns.township_target.set",
            obj=own or campaign,
            unit_id=township.pk,
            before=before,
            after=after,
        )
    return own


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


def _survey_snapshot(entry: SurveyEntry) -> dict[str, Any]:
    return {
        "standing": entry.standing,
        "section_scores": entry.section_scores,
        "assessment": entry.assessment_id,
        "gaps": entry.gaps,
        "notes": entry.notes,
    }


def _require_township_of(campaign: Campaign, township: OrgUnit) -> None:
    if not (takes_plan(township) and in_campaign(campaign, township)):
        raise ValidationError(_("This unit is not a township of the campaign."))


def do_save_survey(actor, campaign: Campaign, township: OrgUnit) -> int:
    """Store the prefilled line of every village not yet surveyed; returns how many."""
    _require_township_of(campaign, township)
    _require(keeps_township(actor, township), _("The survey is kept by the township."))
    with transaction.atomic():
        lines = [line for line in survey_lines(campaign, township) if line.stored is None]
        for line in lines:
            entry = SurveyEntry.objects.create(
                campaign=campaign,
                township=township,
                village=line.village,
                standing=line.standing,
                section_scores=line.section_scores,
                assessment=line.assessment,
                gaps=line.gaps,
                updated_by=actor,
            )
            line.stored = entry
        if lines:
            record_event(
                actor=actor,
                action="campaigns.survey.save",
                object_type="campaigns.surveyentry",
                object_id=f"{campaign.pk}:{township.pk}",
                object_label=f"{campaign.name} · {township.name}",
                unit_id=township.pk,
                after={str(line.village.pk): _survey_snapshot(line.stored) for line in lines},
            )
    return len(lines)


def do_update_survey_entry(
    actor,
    campaign: Campaign,
    village: OrgUnit,
    *,
    standing: str,
    section_scores: list[dict] | None = None,
    gaps: str = "",
    notes: str = "",
) -> SurveyEntry:
    """Save one village's line as the township reports it (created from the prefill if new)."""
    township = OrgUnit.objects.get(pk=village.township_id) if village.township_id else None
    if township is None or village.level != Level.VILLAGE:
        raise ValidationError(_("Only villages are surveyed."))
    _require_township_of(campaign, township)
    _require(keeps_township(actor, township), _("The survey is kept by the township."))
    errors: dict[str, list[str]] = {}
    if standing not in Standing.values:
        errors["standing"] = [_("Choose the village's current standing.")]
    for name, text, limit in (("gaps", gaps, 2000), ("notes", notes, 2000)):
        if len(text or "") > limit:
            errors[name] = [_("At most %(limit)s characters.") % {"limit": limit}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = (
            SurveyEntry.objects.select_for_update(no_key=True)
            .filter(campaign=campaign, village=village)
            .first()
        )
        created = entry is None
        if created:
            prefill = prefilled_line(village, standings([village])[village.pk])
            entry = SurveyEntry(
                campaign=campaign,
                township=township,
                village=village,
                section_scores=prefill.section_scores,
                assessment=prefill.assessment,
            )
        before = {} if created else _survey_snapshot(entry)
        entry.standing = standing
        if section_scores is not None:
            entry.section_scores = section_scores
        entry.gaps = (gaps or "").strip()
        entry.notes = (notes or "").strip()
        entry.updated_by = actor
        entry.save()
        record_change(
            actor=actor,
            action="campaigns.survey.update",
            obj=entry,
            unit_id=village.pk,
            before=before,
            after=_survey_snapshot(entry),
        )
    return entry


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


def _parse_year(raw, errors: dict, key: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        year = int(raw)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        errors.setdefault(key, []).append(_("Enter a year such as 2027, or leave it blank."))
        return None
    return year


def do_save_plan_draft(
    actor, campaign: Campaign, township: OrgUnit, years: dict[int, tuple[Any, Any]]
) -> CreationPlan:
    """Save the draft's years per village id (qualified, first-class). The checks do not stop a
    draft: they are shown beside it and stop only its submission."""
    _require_township_of(campaign, township)
    _require(keeps_township(actor, township), _("The plan is kept by the township."))
    village_ids = set(villages_of(township).values_list("pk", flat=True))
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, tuple[int | None, int | None]] = {}
    for village_id, (qualified_year, first_class_year) in years.items():
        if village_id not in village_ids:
            errors.setdefault("__all__", []).append(_("A village is not in this township."))
            continue
        cleaned[village_id] = (
            _parse_year(qualified_year, errors, f"q_{village_id}"),
            _parse_year(first_class_year, errors, f"f_{village_id}"),
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan, _created = CreationPlan.objects.select_for_update(no_key=True).get_or_create(
            campaign=campaign, township=township
        )
        if plan.status == PlanStatus.SUBMITTED:
            raise ValidationError(
                _("The plan is with the county for approval; it can be changed once decided.")
            )
        draft = {e.village_id: e for e in plan.entries.filter(version__isnull=True)}
        before, after = {}, {}
        for village_id, values in cleaned.items():
            entry = draft.get(village_id)
            old = (entry.qualified_year, entry.first_class_year) if entry else (None, None)
            if old == values:
                continue
            before[str(village_id)], after[str(village_id)] = list(old), list(values)
            if values == (None, None) and not (entry.five_good_groups or entry.note):
                entry.delete()
                continue
            entry = entry or PlanEntry(plan=plan, village_id=village_id)
            entry.qualified_year, entry.first_class_year = values
            entry.save()
        if after and plan.status == PlanStatus.APPROVED:
            # Changing an approved plan starts a new draft; the approved version stays as it was.
            plan.status = PlanStatus.DRAFT
        plan.save()
        record_change(
            actor=actor,
            action="campaigns.plan.save_draft",
            obj=plan,
            unit_id=township.pk,
            before=before,
            after=after,
        )
    return plan


def do_submit_plan(actor, campaign: Campaign, township: OrgUnit, *, note: str = "") -> PlanVersion:
    """Freeze the draft as a new version for the county; errors in the checks stop it."""
    _require_township_of(campaign, township)
    _require(keeps_township(actor, township), _("The plan is submitted by the township."))
    with transaction.atomic():
        plan, _created = CreationPlan.objects.select_for_update(no_key=True).get_or_create(
            campaign=campaign, township=township
        )
        if plan.status == PlanStatus.SUBMITTED:
            raise ValidationError(_("This plan is already with the county for approval."))
        years = draft_years(plan)
        findings = plan_findings(campaign, township, plan_rows(campaign, township, years))
        blocking = [f.message for f in findings if f.is_error]
        if blocking:
            raise ValidationError(blocking)
        number = (plan.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        version = PlanVersion.objects.create(
            plan=plan,
            number=number,
            checks=[f.as_dict() for f in findings],
            note=(note or "").strip(),
            submitted_by=actor,
            submitted_at=timezone.now(),
        )
        PlanEntry.objects.bulk_create(
            PlanEntry(
                plan=plan,
                version=version,
                village_id=village_id,
                qualified_year=q,
                first_class_year=f,
            )
            for village_id, (q, f) in years.items()
        )
        plan_levels.freeze(plan, version)
        plan.status = PlanStatus.SUBMITTED
        plan.save()
        record_event(
            actor=actor,
            action="campaigns.plan.submit",
            obj=version,
            unit_id=township.pk,
            after={
                "version": number,
                "years": {str(k): list(v) for k, v in years.items()},
                "warnings": [f.code for f in findings],
                "note": version.note,
            },
        )
    return version


def _decide(actor, version: PlanVersion, status: str, reason: str) -> PlanVersion:
    with transaction.atomic():
        version = (
            PlanVersion.objects.select_for_update(no_key=True, of=("self",))
            .select_related("plan__township")
            .get(pk=version.pk)
        )
        plan = CreationPlan.objects.select_for_update(no_key=True).get(pk=version.plan_id)
        township = plan.township
        _require(approves_plans(actor, township), _("Plans are approved by the county above them."))
        if version.status != PlanStatus.SUBMITTED or plan.status != PlanStatus.SUBMITTED:
            raise ValidationError(_("Only a plan awaiting approval can be approved or returned."))
        if version.submitted_by_id and version.submitted_by_id == getattr(actor, "pk", None):
            raise PermissionDenied(_("Whoever submitted a plan cannot approve it."))
        version.status = status
        version.decided_by = actor
        version.decided_at = timezone.now()
        version.reason = reason
        version.save()
        plan.status = status
        plan.save()
        record_event(
            actor=actor,
            action=f"campaigns.plan.{'approve' if status == PlanStatus.APPROVED else 'return'}",
            obj=version,
            unit_id=township.pk,
            before={"status": PlanStatus.SUBMITTED.value},
            after={"status": status, "version": version.number, "reason": reason},
        )
    return version


def do_approve_plan(actor, version: PlanVersion, *, reason: str = "") -> PlanVersion:
    return _decide(actor, version, PlanStatus.APPROVED, (reason or "").strip())


def do_return_plan(actor, version: PlanVersion, *, reason: str) -> PlanVersion:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the plan is returned.")]})
    return _decide(actor, version, PlanStatus.RETURNED, reason)


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


def _pilot_snapshot(pilot: Pilot) -> dict[str, Any]:
    return {"year": pilot.year, "village": pilot.village_id, "note": pilot.note}


def do_add_pilot(
    actor, campaign: Campaign, township: OrgUnit, *, year: int, village: OrgUnit, note: str = ""
) -> Pilot:
    _require_township_of(campaign, township)
    _require(keeps_township(actor, township), _("Pilots are chosen by the township."))
    errors: dict[str, list[str]] = {}
    if year not in campaign.years:
        errors["year"] = [
            _("Choose a year of the campaign (%(first)s–%(last)s).")
            % {"first": campaign.first_year, "last": campaign.last_year}
        ]
    if not (
        village.level == Level.VILLAGE and village.township_id == township.pk and village.is_active
    ):
        errors["village"] = [_("Choose a village of this township.")]
    if len(note or "") > 200:
        errors["note"] = [_("At most %(limit)s characters.") % {"limit": 200}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Serialise additions per township so two officers cannot both add the second pilot.
        OrgUnit.objects.select_for_update(no_key=True).filter(pk=township.pk).first()
        existing = list(pilots_of(campaign, township, year))
        if any(p.village_id == village.pk for p in existing):
            raise ValidationError(
                {
                    "village": [
                        _("“%(village)s” is already a pilot this year.") % {"village": village}
                    ]
                }
            )
        if year == campaign.first_year and len(existing) >= checks.MAX_PILOTS:
            raise ValidationError(
                {
                    "village": [
                        _(
                            "A township takes one or two pilot villages a year; remove one "
                            "before adding another."
                        )
                    ]
                }
            )
        pilot = Pilot.objects.create(
            campaign=campaign,
            township=township,
            year=year,
            village=village,
            note=(note or "").strip(),
            created_by=actor,
        )
        record_event(
            actor=actor,
            action="campaigns.pilot.add",
            obj=pilot,
            unit_id=township.pk,
            after=_pilot_snapshot(pilot),
        )
    return pilot


def do_remove_pilot(actor, pilot: Pilot) -> None:
    township = pilot.township
    _require(keeps_township(actor, township), _("Pilots are chosen by the township."))
    with transaction.atomic():
        record_event(
            actor=actor,
            action="campaigns.pilot.remove",
            obj=pilot,
            unit_id=township.pk,
            before=_pilot_snapshot(pilot),
        )
        pilot.delete()
