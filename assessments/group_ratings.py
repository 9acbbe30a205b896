"""Writes of the five-good group ratings, rated on their own footing (assessments/group_rules.py).

Every year's round rates all the groups of its villages, whether or not a village applies for a
village title: the village council rates its groups (the township for a village without an operator
account, recorded as such), sends them up together, and the township decides each group on its
own: a village that fails its own standard does not take its groups down with it.
"""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.access import acts_at_level
from assessments import group_rules, services
from assessments.actions import AssessmentAction
from assessments.models import Assessment, AssessmentState, Round, RoundStatus
from audit.services import record_event
from core.errors import StateConflict
from orgs.models import Level, OrgUnit


def can_rate_groups(user, village: OrgUnit) -> bool:
    """The village's own operator, or its township standing in for a village with no account."""
    return acts_at_level(user, village, Level.VILLAGE) or group_rules.enters_on_behalf(
        user, village
    )


def can_decide_groups(user, village: OrgUnit) -> bool:
    return acts_at_level(user, village, Level.TOWNSHIP)


def _on_behalf(actor, village: OrgUnit) -> bool:
    return not acts_at_level(actor, village, Level.VILLAGE)


def _require_rater(actor, round_: Round, village: OrgUnit) -> None:
    if round_.status != RoundStatus.OPEN:
        raise StateConflict(_("This round is closed: it takes no more ratings."))
    if not group_rules.rates_groups(round_):
        raise ValidationError(_("This round does not rate five-good groups."))
    if village.level != Level.VILLAGE or not round_.organiser.contains(village):
        raise ValidationError(_("The unit is outside the round's organiser."))
    if not can_rate_groups(actor, village):
        raise PermissionDenied(
            _(
                "The village council rates its groups; its township enters the rating only for "
                "a village without an operator account."
            )
        )


def _audit(actor, round_: Round, village: OrgUnit, action: str, after: dict) -> None:
    record_event(
        actor=actor,
        action=AssessmentAction(f"group_ratings.{action}"),
        obj=round_,
        unit_id=village.pk,
        after={"village": village.pk, "on_behalf": _on_behalf(actor, village), **after},
    )


def _mark_on_behalf(actor, village: OrgUnit, ratings) -> None:
    if _on_behalf(actor, village):
        Assessment.objects.filter(pk__in=[r.pk for r in ratings]).update(entered_by_township=True)


def do_open_group_ratings(actor, round_: Round, village: OrgUnit) -> list[Assessment]:
    """Open this year's rating of every group the village rates that has none yet."""
    _require_rater(actor, round_, village)
    with transaction.atomic():
        created = services.open_group_ratings(actor, round_, village)
        _mark_on_behalf(actor, village, created)
        _audit(actor, round_, village, "open", {"groups": [a.unit_id for a in created]})
    return created


def _open_ratings(round_: Round, village: OrgUnit, ids) -> dict[int, Assessment]:
    ratings = {
        r.pk: r
        for r in group_rules.group_ratings_of(round_, village).filter(
            pk__in=list(ids), parent__isnull=True
        )
    }
    if len(ratings) != len(set(ids)):
        raise ValidationError(_("A rating does not belong to this village's groups."))
    return ratings


def do_rate_groups(
    actor, round_: Round, village: OrgUnit, entries: Mapping[int, list[services.ScoreInput]]
) -> int:
    """The council's scores for several groups at once: all or nothing. Returns how many
    scores were saved."""
    _require_rater(actor, round_, village)
    with transaction.atomic():
        ratings = _open_ratings(round_, village, entries.keys())
        saved = 0
        for pk, rating_entries in entries.items():
            saved += len(services.do_save_scores(actor, ratings[pk], rating_entries))
        if saved:
            _mark_on_behalf(actor, village, ratings.values())
            _audit(actor, round_, village, "rate", {"groups": sorted(ratings), "scores": saved})
    return saved


def do_submit_group_ratings(actor, round_: Round, village: OrgUnit) -> list[Assessment]:
    """Send every group rating still with the council up to the township: each must be fully
    scored."""
    _require_rater(actor, round_, village)
    with transaction.atomic():
        waiting = list(
            group_rules.group_ratings_of(round_, village)
            .filter(state=AssessmentState.OPEN, stage=0, parent__isnull=True)
            .select_related("unit", "standard", "round")
        )
        if not waiting:
            raise StateConflict(_("No group rating is waiting to be sent up."))
        unrated = [r.unit.name for r in waiting if services.outcome_at(r, 0).unscored]
        if unrated:
            raise ValidationError(
                _("Rate every group before sending them up: %(groups)s are not rated.")
                % {"groups": "、".join(unrated)}
            )
        for rating in waiting:
            services.do_submit(actor, rating)
        _mark_on_behalf(actor, village, waiting)
        _audit(actor, round_, village, "submit", {"groups": [r.unit_id for r in waiting]})
    return waiting


def do_decide_group_ratings(
    actor, round_: Round, village: OrgUnit, decisions: Mapping[int, tuple[bool, str]]
) -> list[Assessment]:
    """The township decides each group on its own, at the village visit: five-good (the group
    meets the five-good standard on its scores) or not (with a reason). All or nothing."""
    if not can_decide_groups(actor, village):
        raise PermissionDenied(_("The township verifies and decides the groups."))
    with transaction.atomic():
        ratings = _open_ratings(round_, village, decisions.keys())
        errors = {}
        decided = []
        conflict = False
        for pk, (award, reason) in decisions.items():
            try:
                decided.append(
                    services.do_decide(actor, ratings[pk], award=award, reason=reason or "")
                )
            except ValidationError as error:
                errors[str(pk)] = f"{ratings[pk].unit.name}：" + " ".join(error.messages)
                conflict = conflict or isinstance(error, StateConflict)
        if errors:
            # A group already decided is a conflict with its state (409 on the API).
            if conflict:
                raise StateConflict("；".join(errors.values()))
            raise ValidationError(errors)
        _audit(
            actor,
            round_,
            village,
            "decide",
            {"decisions": {str(r.unit_id): r.state for r in decided}},
        )
    return decided
