"""Which year of a campaign a page, report or API call shows: the one home of the rule
(docs/decisions.md, "One home per rule").

Two readings, both defaulting to this year: the boards and reports show any year from the
baseline (the year before the campaign) to its last year, and clamp a year outside to the nearest;
the campaign's own pages (surveys, plans, pilots) show only the campaign's years, and answer a year
outside with this year, kept within the campaign.
"""

from collections.abc import Mapping

from django.utils import timezone


def asked_year(query: Mapping) -> int | None:
    """The `year` of a query string or form, or None when it is missing or not a number."""
    try:
        return int(query.get("year") or "")
    except (TypeError, ValueError):
        return None


def board_year(campaign, year: int | None) -> int:
    """The year asked for (this year by default), kept within the baseline and the last year."""
    year = year or timezone.localdate().year
    return min(max(year, campaign.first_year - 1), campaign.last_year)


def plan_year(campaign, year: int | None) -> int:
    """A year of the campaign as asked; otherwise this year, kept within the campaign."""
    if year in campaign.years:
        return year
    return min(max(timezone.localdate().year, campaign.first_year), campaign.last_year)
