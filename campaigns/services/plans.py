"""A township's five-year creation plan: drafting, submitting, approving and returning it."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_change, record_event
from campaigns import plan_levels
from campaigns.access import approves_plans, keeps_township
from campaigns.actions import CampaignAction
from campaigns.plan_models import (
    Campaign,
    CreationPlan,
    PlanEntry,
    PlanStatus,
    PlanVersion,
)
from campaigns.selectors import draft_years, plan_findings, plan_rows, villages_of
from campaigns.services.surveys import _require_township_of
from campaigns.services.who import _require
from core.errors import StateConflict
from orgs.models import OrgUnit


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
            action=CampaignAction.PLAN_SAVE_DRAFT,
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
            action=CampaignAction.PLAN_SUBMIT,
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
            raise StateConflict(_("Only a plan awaiting approval can be approved or returned."))
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
            action=(
                CampaignAction.PLAN_APPROVE
                if status == PlanStatus.APPROVED
                else CampaignAction.PLAN_RETURN
            ),
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
