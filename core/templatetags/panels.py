"""`"slot"|panels`: the templates registered for a slot (core/panels.py)."""

from django import template

from core.panels import panels_for

register = template.Library()


@register.filter(name="panels")
def panels(slot: str) -> list[str]:
    return panels_for(slot)
