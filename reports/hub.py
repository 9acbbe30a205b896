"""报表打印: what the user can print, gathered for the reports page of the main navigation.

Links only: each report's own view checks access again."""

from dataclasses import dataclass

from django.db.models import Prefetch

from accounts.access import root_units
from assessments import selectors as assessment_selectors
from assessments.models import RoundTitle
from dashboards.selectors import campaign_for

RECENT_ROUNDS = 5
OWN_ASSESSMENTS = 20


@dataclass
class Hub:
    progress: list  # (unit, campaign) for each of the user's units a campaign covers
    rounds: list  # recent rounds in reach, titles prefetched
    assessments: list  # the assessments of the user's own units, newest first


def reports_in_reach(user) -> Hub:
    units = root_units(user)
    progress = [(unit, campaign) for unit in units if (campaign := campaign_for(unit))]
    rounds = list(
        assessment_selectors.rounds_for_user(user)
        .prefetch_related(Prefetch("titles", queryset=RoundTitle.objects.order_by("title")))
        .order_by("-year", "-id")[:RECENT_ROUNDS]
    )
    own = list(
        assessment_selectors.assessments_for_user(user)
        .filter(unit__in=units, parent__isnull=True)
        .exclude(title="five_good_group")
        .select_related("unit", "round")
        .order_by("-round__year", "-id")[:OWN_ASSESSMENTS]
    )
    return Hub(progress=progress, rounds=rounds, assessments=own)
