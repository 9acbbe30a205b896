"""The rules a unit must satisfy, shared by forms, services, imports and the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from orgs.levels import (
    CATEGORIES_BY_LEVEL,
    CODELESS_CATEGORIES,
    DIVISION_CODE_LENGTHS,
    Category,
    Level,
)

if TYPE_CHECKING:  # the model imports this module; the rules only read units they are given
    from orgs.models import OrgUnit


def allowed_parent_levels(level: int) -> set[int]:
    if level == Level.GROUP:
        return {Level.VILLAGE, Level.TOWNSHIP}
    return {level - 1}


def accepts_child(parent: OrgUnit, level: int) -> bool:
    """Whether a unit of `level` may sit under `parent`: an urban branch holds groups directly."""
    if parent.level not in allowed_parent_levels(level):
        return False
    if parent.level == Level.TOWNSHIP:
        return (level == Level.GROUP) == (parent.category == Category.URBAN_BRANCH)
    return True


def child_level_for(parent: OrgUnit) -> int | None:
    if parent.level == Level.GROUP:
        return None
    if parent.category == Category.URBAN_BRANCH:
        return Level.GROUP
    return parent.level + 1


def _parent_errors(unit: OrgUnit) -> list[str]:
    parent = unit.parent
    if parent is None:
        if unit.level > Level.COUNTY:
            return [_("A township, village or group must belong to a parent unit.")]
        return []
    errors = []
    if not parent.is_active:
        errors.append(_("The parent unit “%(name)s” is retired.") % {"name": parent.name})
    if not accepts_child(parent, unit.level):
        if unit.level == Level.VILLAGE and parent.category == Category.URBAN_BRANCH:
            errors.append(_("An urban branch holds groups directly, not villages."))
        elif unit.level == Level.GROUP and parent.level == Level.TOWNSHIP:
            errors.append(_("A group sits under a village, or directly under an urban branch."))
        else:
            errors.append(
                _("A %(level)s cannot be placed under a %(parent_level)s.")
                % {"level": Level(unit.level).label, "parent_level": Level(parent.level).label}
            )
    if unit.pk and parent.pk and unit.contains(parent):
        errors.append(_("A unit cannot be moved under itself or its own subtree."))
    return errors


def _category_errors(unit: OrgUnit) -> list[str]:
    allowed = CATEGORIES_BY_LEVEL[Level(unit.level)]
    if unit.category not in allowed:
        labels = "、".join(str(Category(c).label) for c in allowed)
        return [_("The category must be one of: %(labels)s.") % {"labels": labels}]
    return []


def _code_errors(unit: OrgUnit) -> list[str]:
    code = unit.division_code
    expected = DIVISION_CODE_LENGTHS.get(Level(unit.level))
    if expected is None:
        return [_("An association group has no division code.")] if code else []
    if not code:
        if unit.category in CODELESS_CATEGORIES:
            return []
        return [_("The division code is required for this level.")]
    if not code.isdigit() or len(code) != expected:
        return [
            _("The division code of a %(level)s has %(digits)d digits.")
            % {"level": Level(unit.level).label, "digits": expected}
        ]
    clash = type(unit).objects.filter(division_code=code).exclude(pk=unit.pk).first()
    if clash:
        return [
            _("The division code %(code)s already belongs to “%(name)s”.")
            % {"code": code, "name": clash.name}
        ]
    return []


def _home_village_errors(unit: OrgUnit) -> list[str]:
    needs_home = (
        unit.level == Level.GROUP
        and unit.parent is not None
        and unit.parent.category == Category.URBAN_BRANCH
    )
    home = unit.home_village
    if not needs_home:
        return [_("Only a group of an urban branch names a home village.")] if home else []
    if home is None:
        return [_("A group of an urban branch must name its home village.")]
    if home.level != Level.VILLAGE or home.category == Category.ENTERPRISE:
        return [_("The home village must be a village or residential community.")]
    if not home.is_active:
        return [_("The home village “%(name)s” is retired.") % {"name": home.name}]
    if home.county_id != unit.parent.county_id:
        return [_("The home village must be in the same county as the urban branch.")]
    return []


def validate_unit(unit: OrgUnit) -> None:
    errors: dict[str, list[str]] = {}
    if unit.level not in Level.values:
        raise ValidationError({"level": _("Choose a level.")})
    checks = {
        "parent": _parent_errors,
        "category": _category_errors,
        "division_code": _code_errors,
        "home_village": _home_village_errors,
    }
    for field, check in checks.items():
        messages = check(unit)
        if messages:
            errors[field] = messages
    population, households = unit.population, unit.households
    if population is not None and households is not None and households > population:
        errors["households"] = [_("Households cannot exceed the population.")]
    if errors:
        raise ValidationError(errors)
