"""Roll-ups: per unit and year, the campaign's figures over the unit's whole subtree.

Derived data, kept current in the same transaction as the change that moves it
(campaigns/rollups/) and rebuildable from the raw rows (`sanlian rollups rebuild`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["RollupFigure"]


class RollupFigure(models.Model):
    """One unit's figures for one year. Groups have no row: a group's figures are its own few
    rows, read directly (docs/decisions.md)."""

    # Deleting a unit is only for units entered by mistake; its derived rows go with it.
    unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    groups = models.IntegerField(_("groups"), default=0)
    five_good_groups = models.IntegerField(_("five-good groups"), default=0)
    villages = models.IntegerField(_("villages"), default=0)
    # A village's standing that year: first-class, else qualified, else none.
    qualified_villages = models.IntegerField(_("villages qualified (not first-class)"), default=0)
    first_class_villages = models.IntegerField(_("first-class villages"), default=0)
    townships = models.IntegerField(_("townships"), default=0)
    advanced_townships = models.IntegerField(_("advanced townships"), default=0)
    # Enterprise associations keep their own figures, outside `villages`
    # (rollups.ENTERPRISE_FIELDS).
    enterprises = models.IntegerField(_("enterprise associations"), default=0)
    qualified_enterprises = models.IntegerField(
        _("enterprise associations qualified (not first-class)"), default=0
    )
    first_class_enterprises = models.IntegerField(
        _("first-class enterprise associations"), default=0
    )
    active_members = models.IntegerField(_("active members"), default=0)
    trainings = models.IntegerField(_("trainings"), default=0)
    service_activities = models.IntegerField(_("service activities"), default=0)
    people_served = models.BigIntegerField(_("people served"), default=0)

    class Meta:
        verbose_name = _("roll-up figures")
        verbose_name_plural = _("roll-up figures")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="rollup_unique_unit_year")
        ]

    def __str__(self):
        return f"{self.unit_id} · {self.year}"
