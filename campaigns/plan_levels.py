"""三级联创 in the township's five-year plan: beside each village's qualified and first-class
years (campaigns/services.py), the number of its groups planned five-good by each year, its
特色/措施 note, and the township's own aim for the advanced title.

The figures live on the draft's plan entries and the plan; submitting freezes them into the
version with the years. Their checks join the plan's (`findings`)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from audit.services import record_change
from campaigns import checks
from campaigns.actions import CampaignAction
from campaigns.plan_models import Campaign, CreationPlan, PlanEntry, PlanStatus
from core.errors import StateConflict
from orgs.models import Level, OrgUnit

NOTE_LENGTH = 500


def group_counts(village_ids) -> dict[int, int]:
    """How many active groups each village has (urban-branch groups stay with their home
    village's own counts, as the roll-ups keep them)."""
    return dict(
        OrgUnit.objects.active()
        .filter(level=Level.GROUP, parent_id__in=list(village_ids))
        .values_list("parent_id")
        .annotate(n=Count("id"))
        .values_list("parent_id", "n")
    )


def draft_levels(plan: CreationPlan | None) -> dict[int, tuple[dict[int, int], str]]:
    """Per village id: ({year: five-good groups}, note) of the draft."""
    if plan is None:
        return {}
    return {
        e.village_id: ({int(y): n for y, n in e.five_good_groups.items()}, e.note)
        for e in plan.entries.filter(version__isnull=True)
    }


def _count(raw, errors: dict, key: str, most: int) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= most:
        errors.setdefault(key, []).append(
            _("Enter a number of groups from 0 to %(most)s (the village's groups).")
            % {"most": most}
        )
        return None
    return value


def _clean(
    campaign: Campaign,
    villages: dict[int, dict[str, Any]],
    known: dict[int, int],
    advanced_year,
) -> tuple[dict[int, tuple[dict[int, int], str]], int | None]:
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for village_id, values in villages.items():
        if village_id not in known:
            errors.setdefault("__all__", []).append(_("A village is not in this township."))
            continue
        groups = {}
        for year, raw in (values.get("groups") or {}).items():
            if int(year) not in campaign.years:
                errors.setdefault("__all__", []).append(_("A year is outside the campaign."))
                continue
            count = _count(raw, errors, f"g_{village_id}_{year}", known[village_id])
            if count is not None:
                groups[int(year)] = count
        note = (values.get("note") or "").strip()
        if len(note) > NOTE_LENGTH:
            errors.setdefault(f"note_{village_id}", []).append(
                _("Keep the note within %(n)s characters.") % {"n": NOTE_LENGTH}
            )
        cleaned[village_id] = (groups, note)
    aim = None
    if advanced_year not in (None, ""):
        aim = int(advanced_year) if str(advanced_year).isdigit() else 0
        if aim not in campaign.years:
            errors.setdefault("advanced_year", []).append(
                _("Choose a year of the campaign (%(first)s–%(last)s), or leave it blank.")
                % {"first": campaign.first_year, "last": campaign.last_year}
            )
    if errors:
        raise ValidationError(errors)
    return cleaned, aim


def do_save_plan_levels(
    actor,
    campaign: Campaign,
    township: OrgUnit,
    *,
    villages: dict[int, dict[str, Any]],
    advanced_year=None,
) -> CreationPlan:
    """Save the draft's five-good group numbers and notes per village id ({"groups": {year:
    count}, "note": text}) and the township's advanced aim. Like the years, the checks do not
    stop a draft."""
    from campaigns.access import keeps_township
    from campaigns.selectors import villages_of
    from campaigns.services.surveys import _require_township_of
    from campaigns.services.who import _require

    _require_township_of(campaign, township)
    _require(keeps_township(actor, township), _("The plan is kept by the township."))
    village_ids = list(villages_of(township).values_list("pk", flat=True))
    known = {pk: 0 for pk in village_ids} | group_counts(village_ids)
    cleaned, aim = _clean(campaign, villages, known, advanced_year)
    with transaction.atomic():
        plan, _created = CreationPlan.objects.select_for_update(no_key=True).get_or_create(
            campaign=campaign, township=township
        )
        if plan.status == PlanStatus.SUBMITTED:
            raise StateConflict(
                _("The plan is with the county for approval; it can be changed once decided.")
            )
        draft = {e.village_id: e for e in plan.entries.filter(version__isnull=True)}
        before, after = {}, {}
        for village_id, (groups, note) in cleaned.items():
            entry = draft.get(village_id) or PlanEntry(plan=plan, village_id=village_id)
            old = ({int(y): n for y, n in entry.five_good_groups.items()}, entry.note)
            if old == (groups, note):
                continue
            before[str(village_id)] = {"groups": old[0], "note": old[1]}
            after[str(village_id)] = {"groups": groups, "note": note}
            entry.five_good_groups = {str(y): n for y, n in sorted(groups.items())}
            entry.note = note
            entry.save()
        if plan.advanced_year != aim:
            before["advanced_year"], after["advanced_year"] = plan.advanced_year, aim
            plan.advanced_year = aim
        if after and plan.status == PlanStatus.APPROVED:
            plan.status = PlanStatus.DRAFT  # as a change of years does
        plan.save()
        record_change(
            actor=actor,
            action=CampaignAction.PLAN_SAVE_LEVELS,
            obj=plan,
            unit_id=township.pk,
            before=before,
            after=after,
        )
    return plan


def group_steps(plan: CreationPlan | None) -> set[int]:
    """The villages whose draft plans five-good groups: a planned step (全面创立)."""
    return {
        village_id
        for village_id, (groups, _note) in draft_levels(plan).items()
        if any(groups.values())
    }


def findings(campaign: Campaign, plan: CreationPlan | None) -> list[checks.Finding]:
    """The group numbers never fall from one year to the next."""
    found = []
    if plan is None:
        return found
    names = dict(OrgUnit.objects.filter(pk__in=draft_levels(plan)).values_list("pk", "name"))
    for village_id, (groups, _note) in draft_levels(plan).items():
        counts = [groups[y] for y in campaign.years if y in groups]
        if any(later < earlier for earlier, later in zip(counts, counts[1:], strict=False)):
            found.append(
                checks.Finding(
                    checks.WARNING,
                    "groups_fall",
                    _("“%(village)s”: the number of five-good groups falls in a later year.")
                    % {"village": names.get(village_id, village_id)},
                    village_id,
                )
            )
    return found


def freeze(plan: CreationPlan, version) -> None:
    """Copy the draft's group numbers, notes and the township's aim into a submitted version
    (its entries are created with the years by campaigns.services.do_submit_plan)."""
    levels = draft_levels(plan)
    for entry in version.entries.all():
        groups, note = levels.get(entry.village_id, ({}, ""))
        entry.five_good_groups = {str(y): n for y, n in sorted(groups.items())}
        entry.note = note
        entry.save(update_fields=["five_good_groups", "note"])
    version.advanced_year = plan.advanced_year
    version.save(update_fields=["advanced_year"])
