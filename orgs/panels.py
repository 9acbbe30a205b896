"""The unit page's panels, filled by the apps above orgs from their `AppConfig.ready`: orgs shows
a unit, and the registers' links, the dashboard's link and the titles are theirs to add, since
orgs must not name their templates or URLs. Each panel is a template rendered with the unit
page's context (`unit` among it)."""

# Templates of buttons in the unit page's toolbar (shown for units above a group).
UNIT_LINKS: list[str] = []
# Templates of sections after the subtree's figures.
UNIT_SECTIONS: list[str] = []


def register_unit_links(template: str) -> None:
    if template not in UNIT_LINKS:
        UNIT_LINKS.append(template)


def register_unit_section(template: str) -> None:
    if template not in UNIT_SECTIONS:
        UNIT_SECTIONS.append(template)
