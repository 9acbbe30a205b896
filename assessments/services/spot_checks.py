"""Spot checks: drawing a sample of awarded units and recording their inspection."""

import math
import random
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import acts_at_level
from assessments.actions import AssessmentAction
from assessments.models import (
    Assessment,
    AssessmentState,
    AwardedTitle,
    RevocationCause,
    Round,
    SpotCheck,
    SpotCheckEntry,
    SpotCheckResult,
    TitleStatus,
)
from assessments.services.decisions import do_revoke_title
from assessments.services.scoring import _item_id
from audit.services import record_event
from core.errors import StateConflict
from orgs.models import Level, OrgUnit
from orgs.models import Status as UnitStatus

# What the spot check's columns hold: a PositiveSmallIntegerField and a BigIntegerField.
MAX_SAMPLE_COUNT = 32767
MAX_SEED = 2**63 - 1


def spot_check_population(round_: Round, title: str, township=None) -> list[Assessment]:
    """Awarded, unrevoked assessments of the round for the title (only `township`'s units when
    given), in a fixed order."""
    rows = (
        Assessment.objects.filter(
            round=round_,
            title=title,
            state=AssessmentState.AWARDED,
            awarded_title__status=TitleStatus.AWARDED,
        )
        .select_related("unit")
        .order_by("unit__township", "unit__division_code", "unit__name", "pk")
    )
    if township is not None:
        rows = rows.filter(unit__township=township)
    return list(rows)


def spot_check_townships(round_: Round):
    """The townships a spot check of the round may be limited to: those of its county."""
    return OrgUnit.objects.filter(
        level=Level.TOWNSHIP, county=round_.organiser, status=UnitStatus.ACTIVE
    ).order_by("division_code", "name")


def spot_check_township(round_: Round, township_id: int) -> OrgUnit:
    """The township of the round's county with this id; any other id is refused alike."""
    township = spot_check_townships(round_).filter(pk=township_id).first()
    if township is None:
        raise ValidationError({"township": _("Choose a township of the round's county.")})
    return township


def draw_sample(
    population: list[tuple[int, int]], *, seed: int, share=None, count=None
) -> list[int]:
    """The reproducible draw: population is (township id, assessment id) in a fixed order;
    each township's sample is `count`, or `share` of its units rounded up."""
    rng = random.Random(seed)
    by_township: dict[int, list[int]] = {}
    for township, assessment_id in population:
        by_township.setdefault(township, []).append(assessment_id)
    chosen: list[int] = []
    for township in sorted(by_township):
        members = by_township[township]
        wanted = count if count is not None else math.ceil(Decimal(str(share)) * len(members))
        chosen += sorted(rng.sample(members, min(int(wanted), len(members))))
    return chosen


def do_draw_spot_check(
    actor,
    round_: Round,
    title: str,
    *,
    share=None,
    count=None,
    seed: int | None = None,
    township: OrgUnit | None = None,
) -> SpotCheck:
    if (share is None) == (count is None):
        raise ValidationError(_("Give either a share or a count per township."))
    if share is not None:
        # Draw with the share as it is stored (three decimals), never with a float's binary
        # expansion: 0.1 × 10 units must give 1 unit now and when re-drawn from the record.
        try:
            share = Decimal(str(share)).quantize(Decimal("0.001"))
        except (InvalidOperation, ValueError):
            share = None
        if share is None or not Decimal("0") < share <= Decimal("1"):
            raise ValidationError({"share": _("The share must be above 0 and at most 100%.")})
    if count is not None:
        count = _item_id(count)
        if count is None or not 1 <= count <= MAX_SAMPLE_COUNT:
            raise ValidationError(
                {
                    "count": _("The count must be between 1 and %(maximum)s.")
                    % {"maximum": MAX_SAMPLE_COUNT}
                }
            )
    if seed is not None:
        seed = _item_id(seed)
        if seed is None or not 0 <= seed <= MAX_SEED:
            raise ValidationError(
                {
                    "seed": _("The seed must be a whole number from 0 to %(maximum)s.")
                    % {"maximum": MAX_SEED}
                }
            )
    if not acts_at_level(actor, round_.organiser, Level.COUNTY):
        raise PermissionDenied(_("Spot checks are drawn by the county."))
    if township is not None:
        township = spot_check_township(round_, township.pk)
    seed = secrets.randbits(48) if seed is None else seed
    population = [
        (a.unit.township_id or 0, a.pk) for a in spot_check_population(round_, title, township)
    ]
    if not population:
        if township is not None:
            raise ValidationError(
                {"township": _("No awarded unit of this round and title in this township.")}
            )
        raise ValidationError(_("No awarded unit of this round and title to draw from."))
    chosen = draw_sample(population, seed=seed, share=share, count=count)
    with transaction.atomic():
        check = SpotCheck.objects.create(
            round=round_,
            title=title,
            share=share,
            count=count,
            seed=seed,
            township=township,
            population=[list(pair) for pair in population],
            drawn_by=actor,
        )
        SpotCheckEntry.objects.bulk_create(
            SpotCheckEntry(spot_check=check, assessment_id=pk) for pk in chosen
        )
        record_event(
            actor=actor,
            action=AssessmentAction.SPOT_CHECK_DRAW,
            obj=check,
            unit_id=round_.organiser_id,
            after={
                "seed": seed,
                "share": str(share) if share else None,
                "count": count,
                "township": township.name if township else None,
                "population": len(population),
                "sample": chosen,
            },
        )
    return check


def redraw(check: SpotCheck) -> list[int]:
    """Draw again from the recorded population and seed: equals the recorded sample."""
    population = [tuple(pair) for pair in check.population]
    return draw_sample(population, seed=check.seed, share=check.share, count=check.count)


def do_record_inspection(
    actor, entry: SpotCheckEntry, *, passed: bool, reason: str = ""
) -> SpotCheckEntry:
    reason = (reason or "").strip()
    if not passed and not reason:
        raise ValidationError({"reason": _("Say what the inspection found.")})
    with transaction.atomic():
        # Under the lock: two inspectors recording the same unit at once record it once.
        entry = (
            SpotCheckEntry.objects.select_for_update(no_key=True, of=("self",))
            .select_related("assessment", "spot_check")
            .get(pk=entry.pk)
        )
        assessment = entry.assessment
        if not acts_at_level(actor, assessment.unit, Level.COUNTY):
            raise PermissionDenied(_("Spot checks are inspected by the county."))
        if entry.result != SpotCheckResult.PENDING:
            raise StateConflict(_("This unit's inspection is already recorded."))
        entry.result = SpotCheckResult.PASSED if passed else SpotCheckResult.FAILED
        entry.reason = reason
        entry.inspected_by = actor
        entry.inspected_at = timezone.now()
        entry.save()
        record_event(
            actor=actor,
            action=AssessmentAction.SPOT_CHECK_INSPECT,
            obj=entry.spot_check,
            unit_id=assessment.unit_id,
            after={"assessment": assessment.pk, "result": entry.result, "reason": reason},
        )
        title = AwardedTitle.objects.filter(assessment=assessment).first()
        # A title revoked since the draw (a veto found later, say) stays revoked for its own
        # cause; the failed inspection is still recorded.
        if not passed and title is not None and title.status == TitleStatus.AWARDED:
            do_revoke_title(actor, title, cause=RevocationCause.SPOT_CHECK, reason=reason)
    return entry
