"""The tree's vocabulary, with no model: levels, categories, statuses and the division codes' shape.

Kept apart from orgs/models.py so that orgs/validation.py can use it without importing the model
(orgs.models imports the validation, and re-exports these names).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    COUNTY = 3, _("County")
    TOWNSHIP = 4, _("Township / street")
    VILLAGE = 5, _("Village / community")
    GROUP = 6, _("Association group")


# The ancestor column that names a unit's ancestor (or itself) at each level. Subtree queries
# are one equality on an indexed column (docs/decisions.md).
LEVEL_COLUMNS = {
    Level.PROVINCE: "province",
    Level.CITY: "city",
    Level.COUNTY: "county",
    Level.TOWNSHIP: "township",
    Level.VILLAGE: "village",
}

# Digits of the statistical division code at each level; groups have none.
DIVISION_CODE_LENGTHS = {
    Level.PROVINCE: 6,
    Level.CITY: 6,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}


class Category(models.TextChoices):
    NONE = "", _("—")
    STREET = "street", _("Street")
    TOWNSHIP = "township", _("Township")
    TOWN = "town", _("Town")
    URBAN_BRANCH = "urban_branch", _("Urban branch")
    VILLAGE = "village", _("Village")
    COMMUNITY = "community", _("Residential community")
    ENTERPRISE = "enterprise_association", _("Enterprise association")


CATEGORIES_BY_LEVEL = {
    Level.PROVINCE: [Category.NONE],
    Level.CITY: [Category.NONE],
    Level.COUNTY: [Category.NONE],
    Level.TOWNSHIP: [Category.TOWNSHIP, Category.TOWN, Category.STREET, Category.URBAN_BRANCH],
    Level.VILLAGE: [Category.VILLAGE, Category.COMMUNITY, Category.ENTERPRISE],
    Level.GROUP: [Category.NONE],
}

# Categories whose units may carry no division code (they are associations, not places).
CODELESS_CATEGORIES = {Category.URBAN_BRANCH, Category.ENTERPRISE}


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")
