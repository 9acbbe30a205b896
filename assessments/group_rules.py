"""Five-good groups rated on their own footing: the reads the chain's services and the pages share.

A group's yearly rating is its own assessment (title five_good_group, `access_unit` its village:
its home village for an urban-branch group), opened for all the groups of a village at once,
whether or not the village applies for a village title. The village council rates; a township
enters the rating on behalf of a village that has no operator account. The township then decides
each group on its own (docs/decisions.md, issue 12).
"""

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.access import acts_at_level
from accounts.models import Role, RoleKind
from assessments.models import Assessment, AssessmentState, RoundTitle
from orgs.models import Level, OrgUnit
from standards.models import TitleKind

# The metric of the village standards' item “五好小组达到50%以上”.
FIVE_GOOD_METRIC = "five_good_share"


def groups_rated_with(village: OrgUnit) -> QuerySet[OrgUnit]:
    """The active groups a village's council rates: its own, and the urban-branch groups whose
    home village it is."""
    own = Q(parent=village, level=Level.GROUP, status="active")
    migrant = Q(level=Level.GROUP, home_village=village, status="active")
    return OrgUnit.objects.filter(own | migrant).order_by("parent_id", "name", "pk")


def rates_groups(round_) -> bool:
    return RoundTitle.objects.filter(round=round_, title=TitleKind.FIVE_GOOD_GROUP).exists()


def group_ratings_of(round_, village: OrgUnit) -> QuerySet[Assessment]:
    """The round's ratings of the groups a village rates (their access unit is the village)."""
    return Assessment.objects.filter(
        round=round_, title=TitleKind.FIVE_GOOD_GROUP, access_unit=village
    )


def has_operator(village: OrgUnit) -> bool:
    """Whether an active account operates the village (else its township enters for it)."""
    return Role.objects.filter(
        unit=village, kind=RoleKind.VILLAGE_OPERATOR, user__is_active=True
    ).exists()


def enters_on_behalf(user, village: OrgUnit) -> bool:
    """The township acts at the village's rating stage when the village has no operator."""
    return acts_at_level(user, village, Level.TOWNSHIP) and not has_operator(village)


def acts_for(user, assessment: Assessment, level: int) -> bool:
    """Whether the user acts at `level` on the assessment: the level's own role, or, for a group
    rating at the village's stage, the township standing in for a village without an account."""
    if acts_at_level(user, assessment.access_unit, level):
        return True
    return (
        level == Level.VILLAGE
        and assessment.title == TitleKind.FIVE_GOOD_GROUP
        and enters_on_behalf(user, assessment.access_unit)
    )


def unsettled_groups(round_, village: OrgUnit) -> list[OrgUnit]:
    """The groups of the village whose rating this round has not decided (never opened, or still
    open); none when the round does not rate groups."""
    if not rates_groups(round_):
        return []
    decided = set(
        group_ratings_of(round_, village)
        .exclude(state=AssessmentState.OPEN)
        .values_list("unit_id", flat=True)
    )
    return [g for g in groups_rated_with(village) if g.pk not in decided]


def reads_group_results(assessment: Assessment) -> bool:
    """A village assessment whose standard scores the share of five-good groups."""
    from standards.models import Item

    return (
        assessment.title in (TitleKind.QUALIFIED_VILLAGE, TitleKind.FIRST_CLASS_VILLAGE)
        and Item.objects.filter(
            section__standard=assessment.standard, metric=FIVE_GOOD_METRIC
        ).exists()
    )


def require_groups_settled(assessment: Assessment) -> None:
    """The year's group results are settled before a reviewing level scores the village's item
    on five-good groups or moves the village on, so the item reads the real results."""
    waiting = unsettled_groups(assessment.round, assessment.unit)
    if waiting:
        raise ValidationError(
            _(
                "Decide this year's five-good rating of the village's groups first: the item on "
                "five-good groups reads their results. Not yet decided: %(groups)s."
            )
            % {"groups": "、".join(g.name for g in waiting)}
        )


def ratings_with(assessment: Assessment) -> QuerySet[Assessment]:
    """The group ratings shown beside a village's assessment: the round's ratings of its groups
    (those opened with the application before groups stood on their own included)."""
    if assessment.title not in (TitleKind.QUALIFIED_VILLAGE, TitleKind.FIRST_CLASS_VILLAGE):
        return Assessment.objects.none()
    return group_ratings_of(assessment.round, assessment.unit)
