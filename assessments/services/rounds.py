"""Opening and closing a round of assessment, and the units due for re-rating."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.access import acts_at_level
from assessments import signals
from assessments.actions import AssessmentAction
from assessments.models import (
    AwardedTitle,
    Round,
    RoundStatus,
    RoundTitle,
    StageDeadline,
    TitleStatus,
)
from audit.services import record_event
from orgs.models import LEVEL_COLUMNS, Level, OrgUnit
from standards.models import TITLE_LEVELS, Standard, TitleKind

# --- rounds --------------------------------------------------------------------------------


def cadence_warnings(organiser: OrgUnit, year: int, titles, exclude_round=None) -> list[str]:
    """Townships are selected every two to three years, twice in five: warn when a round
    with the advanced-township title breaks that rhythm.

    Every other round of the organiser counts, a second one in the same year included; pass
    `exclude_round` when the round in question is already saved."""
    if TitleKind.ADVANCED_TOWNSHIP not in titles:
        return []
    others = RoundTitle.objects.filter(
        round__organiser=organiser, title=TitleKind.ADVANCED_TOWNSHIP
    )
    if exclude_round is not None:
        others = others.exclude(round=exclude_round)
    # One entry per round, not per year: two selections in one year are two selections.
    occurrences = sorted(others.values_list("round__year", flat=True))
    warnings = []
    if year in occurrences:
        warnings.append(
            _(
                "Townships were already selected in %(year)s: selections should be two to "
                "three years apart."
            )
            % {"year": year}
        )
    earlier = [y for y in occurrences if y < year]
    later = [y for y in occurrences if y > year]
    for neighbour in ([earlier[-1]] if earlier else []) + ([later[0]] if later else []):
        gap = abs(year - neighbour)
        if gap < 2:
            warnings.append(
                _(
                    "Townships were already selected in %(year)s: selections should be two to "
                    "three years apart."
                )
                % {"year": neighbour}
            )
        elif gap > 3:
            warnings.append(
                _(
                    "The previous or next township selection is in %(year)s, %(gap)s years away: "
                    "selections should be two to three years apart."
                )
                % {"year": neighbour, "gap": gap}
            )
    window = [y for y in occurrences if abs(y - year) < 5] + [year]
    for start in range(year - 4, year + 1):
        in_window = [y for y in window if start <= y <= start + 4]
        if len(in_window) > 2:
            warnings.append(
                _(
                    "%(count)s township selections fall within the five years %(first)s–%(last)s;"
                    " the plan asks for two."
                )
                % {"count": len(in_window), "first": start, "last": start + 4}
            )
            break
    return warnings


def do_create_round(
    actor,
    organiser: OrgUnit,
    *,
    year: int,
    name: str,
    standards: dict[str, Standard],
    deadlines: dict[str, dict[int, date]] | None = None,
) -> tuple[Round, list[str]]:
    """Open a round; returns it with the cadence warnings it raised. `actor` None is the system
    (the demo); a person must act for the organiser's level on it."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("Give the round a name."))
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        errors.setdefault("year", []).append(_("Enter a year between 2000 and 2100."))
    if organiser.level > Level.COUNTY:
        errors.setdefault("organiser", []).append(
            _("Rounds are organised by a county or a higher level.")
        )
    if not standards:
        errors.setdefault("standards", []).append(_("Choose at least one title."))
    for title, standard in standards.items():
        if standard.title != title:
            errors.setdefault("standards", []).append(
                _("The standard “%(standard)s” is not for this title.") % {"standard": standard}
            )
            continue
        stages = standard.ordered_stages()
        # Without a second stage nobody reviews; without the applicant's level first nobody
        # can apply (a group is rated by its village, so its chain starts there).
        first_level = Level.VILLAGE if title == TitleKind.FIVE_GOOD_GROUP else TITLE_LEVELS[title]
        if len(stages) < 2 or stages[0].level != first_level:
            errors.setdefault("standards", []).append(
                _(
                    "The standard “%(standard)s” needs a chain that starts with the applicant "
                    "and has at least one reviewing stage."
                )
                % {"standard": standard}
            )
            continue
        for stage in (deadlines or {}).get(title) or {}:
            if not isinstance(stage, int) or not 0 <= stage < len(stages):
                errors.setdefault("deadlines", []).append(
                    _("The standard “%(standard)s” has no stage %(stage)s.")
                    % {"standard": standard, "stage": stage}
                )
    if Round.objects.filter(organiser=organiser, year=year, name=name).exists():
        errors.setdefault("name", []).append(_("This unit already has a round of that name."))
    if errors:
        raise ValidationError(errors)
    if actor is not None and not (
        getattr(actor, "is_superuser", False) or acts_at_level(actor, organiser, organiser.level)
    ):
        raise PermissionDenied(_("Rounds are opened by the organising level itself."))
    try:
        round_ = _create_round(actor, organiser, year, name, standards, deadlines)
    except IntegrityError:
        # Two submits at once: the unique name decides, and the loser hears why.
        if Round.objects.filter(organiser=organiser, year=year, name=name).exists():
            raise ValidationError(
                {"name": _("This unit already has a round of that name.")}
            ) from None
        raise
    return round_, cadence_warnings(organiser, year, standards, exclude_round=round_)


def _create_round(
    actor,
    organiser: OrgUnit,
    year: int,
    name: str,
    standards: dict[str, Standard],
    deadlines: dict[str, dict[int, date]] | None,
) -> Round:
    with transaction.atomic():
        round_ = Round.objects.create(organiser=organiser, year=year, name=name, created_by=actor)
        for title, standard in standards.items():
            round_title = RoundTitle.objects.create(round=round_, title=title, standard=standard)
            for stage, due in ((deadlines or {}).get(title) or {}).items():
                StageDeadline.objects.create(round_title=round_title, stage=stage, due=due)
        record_event(
            actor=actor,
            action=AssessmentAction.ROUND_CREATE,
            obj=round_,
            unit_id=organiser.pk,
            after={
                "year": year,
                "name": name,
                "standards": {t: s.pk for t, s in standards.items()},
            },
        )
    return round_


def can_close_round(user, round_: Round) -> bool:
    return getattr(user, "is_superuser", False) or acts_at_level(
        user, round_.organiser, round_.organiser.level
    )


def do_close_round(actor, round_: Round) -> Round:
    """Close the year's rating (动态管理): from now on a title of the round's kinds held the year
    before and not kept by this round (not awarded, or due and not re-rated) lapses from the
    round's year (assessments/standing.py). Assessments still open stay as they are."""
    with transaction.atomic():
        round_ = Round.objects.select_for_update().get(pk=round_.pk)
        if actor is not None and not can_close_round(actor, round_):
            raise PermissionDenied(_("Rounds are closed by the organising level itself."))
        if round_.status == RoundStatus.CLOSED:
            return round_  # closing twice changes nothing and records nothing
        lapsing = due_for_rerating(round_, reviewed=False)
        round_.status = RoundStatus.CLOSED
        round_.save(update_fields=["status"])
        record_event(
            actor=actor,
            action=AssessmentAction.ROUND_CLOSE,
            obj=round_,
            unit_id=round_.organiser_id,
            before={"status": RoundStatus.OPEN},
            after={
                "status": RoundStatus.CLOSED,
                "lapsed": {title: len(units) for title, units in lapsing.items()},
            },
        )
        signals.round_closed.send(sender=Round, round=round_)
    return round_


def due_for_rerating(round_: Round, *, reviewed: bool = True) -> dict[str, list[OrgUnit]]:
    """复查: per title the round assesses, the units of its subtree holding the title the year
    before (assessments/standing.py), and (unless `reviewed`) only those not yet kept by this
    round. Titles with a validity in years are not due."""
    from assessments import standing

    closed = standing.closed_ratings()
    result: dict[str, list[OrgUnit]] = {}
    for title in round_.titles.values_list("title", flat=True):
        titles = AwardedTitle.objects.filter(
            title=title,
            unit__status="active",
            **{f"unit__{LEVEL_COLUMNS[round_.organiser.level]}": round_.organiser},
        )
        held = titles.held_in(round_.year - 1, closed).filter(valid_years__isnull=True)
        units = OrgUnit.objects.filter(pk__in=held.values("unit_id"))
        if not reviewed:
            kept = AwardedTitle.objects.filter(title=title, year=round_.year).exclude(
                status=TitleStatus.REVOKED
            )
            units = units.exclude(pk__in=kept.values("unit_id"))
        result[title] = list(units.order_by("township__name", "division_code", "name"))
    return result
