from django import template

from accounts.access import root_units
from orgs.models import Level

register = template.Library()


@register.simple_tag(takes_context=True)
def plans_in_reach(context) -> bool:
    """Creation plans are a township's work and the levels above it; a village operator has no
    use for the link (ui.md: the navigation hides what a role cannot use)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return any(unit.level <= Level.TOWNSHIP for unit in root_units(user))
