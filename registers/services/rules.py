"""What every register write shares: who keeps a register, and the error of a stale edit."""

from core.errors import StateConflict
from orgs.models import Category, Level, OrgUnit


class ConflictError(StateConflict):
    """Someone else saved the record since it was read; nothing was overwritten."""


def holds_register(unit: OrgUnit) -> bool:
    """Village-level associations keep member registers, and so does an urban branch."""
    return unit.level == Level.VILLAGE or unit.category == Category.URBAN_BRANCH
