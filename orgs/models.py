from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.levels import (  # re-exported: callers import the vocabulary with the model
    CATEGORIES_BY_LEVEL,  # noqa: F401
    CODELESS_CATEGORIES,  # noqa: F401
    DIVISION_CODE_LENGTHS,  # noqa: F401
    LEVEL_COLUMNS,
    Category,
    Level,
    Status,
)
from orgs.validation import validate_unit


def subtree_q(unit: "OrgUnit", prefix: str = "") -> models.Q:
    """The unit and everything below it (a group is its own subtree): on units themselves, or on
    rows whose foreign key `prefix` points at a unit. One equality on an indexed ancestor column;
    the one home of the rule (docs/decisions.md, "One home per rule")."""
    if unit.level == Level.GROUP:
        return models.Q(**{prefix or "pk": unit.pk})
    column = f"{LEVEL_COLUMNS[unit.level]}_id"
    return models.Q(**{f"{prefix}__{column}" if prefix else column: unit.pk})


class OrgUnitQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Status.ACTIVE)

    def subtree_of(self, unit: "OrgUnit"):
        """The unit and everything below it: one equality on an indexed ancestor column."""
        return self.filter(subtree_q(unit))

    def descendants_of(self, unit: "OrgUnit"):
        return self.subtree_of(unit).exclude(pk=unit.pk)


def _ancestor_field(level_name: str):
    return models.ForeignKey(
        "self",
        null=True,
        blank=True,
        # The parent link already protects ancestors; a unit's own column points at itself.
        on_delete=models.DO_NOTHING,
        related_name="+",
        verbose_name=level_name,
        db_index=True,
    )


class OrgUnit(models.Model):
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    category = models.CharField(
        _("category"), max_length=32, choices=Category.choices, blank=True, default=""
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    division_code = models.CharField(
        _("division code"),
        max_length=12,
        null=True,
        blank=True,
        unique=True,
        validators=[RegexValidator(r"^\d+$", _("A division code contains digits only."))],
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    is_key_village = models.BooleanField(
        _("key village of new-countryside construction"), default=False
    )
    home_village = models.ForeignKey(
        "self",
        verbose_name=_("home village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="migrant_groups",
        help_text=_("For a group of an urban branch: the village its members come from."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retired_reason = models.CharField(_("reason for retiring"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    province = _ancestor_field(_("province"))
    city = _ancestor_field(_("city"))
    county = _ancestor_field(_("county"))
    township = _ancestor_field(_("township"))
    village = _ancestor_field(_("village"))

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        ordering = ["level", "division_code", "name", "id"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        indexes = [
            models.Index(fields=["parent", "status", "name"], name="orgunit_children"),
            models.Index(fields=["name"], name="orgunit_name"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=models.Q(status="active"),
                name="orgunit_unique_active_name_per_parent",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE

    @property
    def is_urban_branch(self) -> bool:
        return self.category == Category.URBAN_BRANCH

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent, read from the ancestor columns."""
        ids = []
        for level, column in LEVEL_COLUMNS.items():
            if level >= self.level:
                break
            ancestor_id = getattr(self, f"{column}_id")
            if ancestor_id:
                ids.append(ancestor_id)
        return ids

    def ancestors(self) -> list["OrgUnit"]:
        by_id = OrgUnit.objects.in_bulk(self.ancestor_ids())
        return [by_id[i] for i in self.ancestor_ids() if i in by_id]

    def contains(self, other: "OrgUnit") -> bool:
        """Whether `other` is this unit or lies below it."""
        if self.pk == other.pk:
            return True
        if self.level == Level.GROUP or other.level <= self.level:
            return False
        return getattr(other, f"{LEVEL_COLUMNS[self.level]}_id") == self.pk

    def clean(self):
        validate_unit(self)
