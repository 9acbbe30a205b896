"""The type of every audit action: each app declares its actions as an `AuditAction` enum in its
own `actions.py` (`orgs.actions.OrgAction.UNIT_MOVE == "orgs.unit.move"`), and `record_event`
refuses anything else. A renamed or mistyped action is then a NameError where it is written, not
a silent change in the log that a filter, a report or a receiver no longer matches.
"""

from enum import StrEnum


class AuditAction(StrEnum):
    """The base of the apps' action enums (it has no members of its own)."""
