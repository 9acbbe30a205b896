"""Panels: a page of a lower app shows templates that the apps above it register for one of its
slots, so that it never names their templates or URLs (the layers, docs/architecture.md). An app
registers from its `AppConfig.ready`; the page writes
`{% load panels %}{% for panel in "slot"|panels %}{% include panel %}{% endfor %}`, and each
panel renders with the page's context. Panels of a slot keep the order of INSTALLED_APPS.

The slots: `unit_links` and `unit_sections` (the unit page, orgs), `assessment_documents` (the
assessment sheet), `title_documents` (a unit's titles, once per title), `round_documents` (a
round's page) and `dashboard_documents` (a unit's dashboard).
"""

from collections import defaultdict

_SLOTS: dict[str, list[str]] = defaultdict(list)


def register_panel(slot: str, template: str) -> None:
    if template not in _SLOTS[slot]:
        _SLOTS[slot].append(template)


def panels_for(slot: str) -> list[str]:
    return list(_SLOTS.get(slot, ()))
