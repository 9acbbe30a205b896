"""The pass rule: total, section minimums, veto items. Pure functions over a standard's items."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from standards.models import Item, Section, Standard


@dataclass(frozen=True)
class ItemMark:
    points: Decimal | None = None
    veto_violated: bool | None = None


@dataclass
class Outcome:
    total: Decimal
    section_totals: dict[int, Decimal]
    unscored: list[Item] = field(default_factory=list)
    short_sections: list[Section] = field(default_factory=list)
    violated_vetoes: list[Item] = field(default_factory=list)
    below_total: bool = False

    @property
    def passes(self) -> bool:
        return not (
            self.unscored or self.short_sections or self.violated_vetoes or self.below_total
        )

    def reasons(self, standard: Standard) -> list[str]:
        reasons = [
            _("Item %(number)s is not scored.") % {"number": item.number} for item in self.unscored
        ]
        reasons += [
            _("Veto item %(number)s is violated: the title fails whatever the total.")
            % {"number": item.number}
            for item in self.violated_vetoes
        ]
        reasons += [
            _("Section “%(section)s” has %(points)s points; it needs at least %(minimum)s.")
            % {
                "section": section.name,
                "points": self.section_totals.get(section.pk, Decimal("0")),
                "minimum": section.min_points,
            }
            for section in self.short_sections
        ]
        if self.below_total:
            reasons.append(
                _("The total is %(total)s; the standard needs at least %(minimum)s.")
                % {"total": self.total, "minimum": standard.pass_total}
            )
        return reasons


def sections_with_items(standard: Standard) -> list[Section]:
    return list(standard.sections.prefetch_related("items").order_by("position"))


def evaluate(
    standard: Standard, marks: dict[int, ItemMark], sections: list[Section] | None = None
) -> Outcome:
    """Apply the standard's pass rule to marks keyed by item id; `sections` (from
    `sections_with_items`) saves reading them again when many units share the standard."""
    outcome = Outcome(total=Decimal("0"), section_totals={})
    for section in sections if sections is not None else sections_with_items(standard):
        subtotal = Decimal("0")
        for item in section.items.all():
            mark = marks.get(item.pk, ItemMark())
            if item.is_veto:
                if mark.veto_violated is None:
                    outcome.unscored.append(item)
                elif mark.veto_violated:
                    outcome.violated_vetoes.append(item)
            if item.points:
                if mark.points is None:
                    # A veto item with points is listed once, however much of it is missing.
                    if item not in outcome.unscored:
                        outcome.unscored.append(item)
                else:
                    subtotal += mark.points
        outcome.section_totals[section.pk] = subtotal
        outcome.total += subtotal
        if section.min_points is not None and subtotal < section.min_points:
            outcome.short_sections.append(section)
    outcome.below_total = outcome.total < standard.pass_total
    return outcome
