"""Template tags of the assessment pages and of the includes other apps' pages carry."""

from django import template
from django.utils import timezone

from accounts.templatetags.people import person
from assessments import selectors, services, standing
from assessments.models import TitleStatus
from standards.models import TitleKind

register = template.Library()


@register.simple_tag(takes_context=True)
def unit_titles(context, unit):
    """The unit's titles (in force, revoked with cause and reason, superseded), each with
    whether the current user may revoke it."""
    user = context["request"].user
    return [
        (title, title.status == TitleStatus.AWARDED and services.can_revoke(user, title))
        for title in selectors.titles_of(user, unit)
    ]


@register.simple_tag
def title_timeline(unit):
    """The unit's title timeline to this year (assessments/standing.py)."""
    return standing.timeline(unit, timezone.localdate().year)


@register.filter
def title_label(value):
    return TitleKind(value).label if value in TitleKind.values else value


@register.simple_tag(takes_context=True)
def waiting_rows(context):
    return selectors.waiting_for(context["request"].user)


@register.simple_tag(takes_context=True)
def waiting_at_level(context, unit):
    """What waits for the officers at the unit's level, for a leader's home page."""
    return selectors.waiting_at(context["request"].user, unit)


@register.filter
def overdue_count(rows):
    return sum(1 for row in rows if row.overdue)


@register.filter
def item_at(sequence, index):
    try:
        return sequence[index]
    except (IndexError, KeyError, TypeError):
        return None


# Who did something, as every page names a user (accounts' `person`, its one home), also under
# this library so that the assessment templates need not load two.
register.filter("person", person)


@register.filter
def points(value):
    """A score as the form prints it: 12 or 12.5, a dash when there is none."""
    if value is None:
        return "—"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def getlist(data, key):
    """The values of a repeated field in posted data, e.g. the ticked checkboxes."""
    return data.getlist(key) if hasattr(data, "getlist") else []
