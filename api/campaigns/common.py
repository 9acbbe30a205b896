"""The campaigns router and the helpers its operations share."""

from ninja import Router

from accounts.access import missing
from api.errors import acting
from campaigns import checks, services
from campaigns import targets as t
from campaigns.access import forbidden, get_township_for_user
from campaigns.plan_models import (
    Campaign,
    PlanStatus,
    PlanVersion,
    Standing,
)
from campaigns.years import plan_year
from orgs.models import OrgUnit

router = Router(tags=["campaigns"])


# --- reaching objects as the pages do ---------------------------------------------------------


def _targets(targets: t.Targets) -> dict:
    return {
        "five_good_share": targets.five_good_share,
        "qualified_share": targets.qualified_share,
        "first_class_share": targets.first_class_share,
        "first_class_base": targets.first_class_base,
        "advanced_townships": targets.advanced_townships,
    }


def _findings(findings) -> list[dict]:
    return [f.as_dict() if isinstance(f, checks.Finding) else f for f in findings]


def _version(version: PlanVersion, *, entries: bool = False, standings=None) -> dict:
    body = {
        name: getattr(version, name)
        for name in (
            "number",
            "status",
            "note",
            "submitted_by_id",
            "submitted_at",
            "decided_by_id",
            "decided_at",
            "reason",
        )
    }
    body["checks"] = _findings(version.checks)
    if entries:
        body["entries"] = [
            {
                "village_id": e.village_id,
                "village_name": e.village.name,
                "standing": (standings or {}).get(e.village_id, Standing.NONE.value),
                "qualified_year": e.qualified_year,
                "first_class_year": e.first_class_year,
            }
            for e in version.entries.select_related("village").order_by(
                "village__division_code", "village__name", "village_id"
            )
        ]
    return body


def _plan(request, campaign: Campaign, township: OrgUnit) -> dict:
    plan = services.plan_for(campaign, township)
    years = services.draft_years(plan)
    rows = services.plan_rows(campaign, township, years)
    versions = list(plan.versions.order_by("-number")) if plan else []
    return {
        "township_id": township.pk,
        "status": plan.status if plan else None,
        "editable": services.keeps_township(request.user, township)
        and not (plan is not None and plan.status == PlanStatus.SUBMITTED),
        "entries": [
            {
                "village_id": row.village_id,
                "village_name": row.name,
                "standing": row.standing,
                "qualified_year": row.qualified_year,
                "first_class_year": row.first_class_year,
            }
            for row in rows
        ],
        "findings": _findings(services.plan_findings(campaign, township, rows)),
        "versions": [_version(v) for v in versions],
    }


def _plan_version(campaign: Campaign, township: OrgUnit, number: int, request) -> PlanVersion:
    version = (
        PlanVersion.objects.filter(plan__campaign=campaign, plan__township=township, number=number)
        .select_related("plan")
        .first()
    )
    if version is None:
        raise missing(request, "campaigns.planversion", f"{township.pk}:{number}")
    return version


# --- a township: its page, survey, plan and pilots -------------------------------------------


def _township(request, campaign: Campaign, township: OrgUnit, year: int | None) -> dict:
    year = plan_year(campaign, year)
    targets = services.township_targets(campaign, township)
    plan = services.plan_for(campaign, township)
    approved = services.approved_version(plan)
    return {
        "campaign": campaign,
        "township_id": township.pk,
        "township_name": township.name,
        "year": year,
        "targets": _targets(targets),
        "attainments": t.attainments(
            services.current_counts(township, year, campaign), targets, townships=False
        ),
        "plan_status": plan.status if plan else None,
        "approved_version": approved.number if approved else None,
        "keeps_township": services.keeps_township(request.user, township),
    }


def _survey(campaign: Campaign, township: OrgUnit) -> list[dict]:
    return [
        {
            "village_id": line.village.pk,
            "village_name": line.village.name,
            "standing": line.standing,
            "standing_label": str(line.standing_label),
            "section_scores": line.section_scores or [],
            "assessment_id": line.assessment.pk if line.assessment else None,
            "gaps": line.gaps,
            "notes": line.notes,
            "saved": line.stored is not None,
        }
        for line in services.survey_lines(campaign, township)
    ]


def _standings(campaign: Campaign, township: OrgUnit) -> dict[int, str]:
    return {row.village_id: row.standing for row in services.plan_rows(campaign, township, {})}


def _decide(request, campaign_id: int, township_id: int, number: int, action: str, call):
    campaign, township = get_township_for_user(request, campaign_id, township_id)
    version = _plan_version(campaign, township, number, request)
    if not services.approves_plans(request.user, township):
        raise forbidden(request, action, township)
    version = acting(request, township, action, lambda: call(version))
    return _version(version, entries=True, standings=_standings(campaign, township))


def _pilots(campaign: Campaign, township: OrgUnit, year: int) -> dict:
    chosen = list(services.pilots_of(campaign, township, year))
    return {
        "township_id": township.pk,
        "year": year,
        "required": checks.pilots_required(township.population, campaign.large_township_population),
        "pilots": chosen,
        "findings": _findings(services.pilot_findings(campaign, township, year, chosen)),
    }
