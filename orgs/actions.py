"""The audit actions of the org tree."""

from audit.actions import AuditAction


class OrgAction(AuditAction):
    UNIT_CREATE = "orgs.unit.create"
    UNIT_UPDATE = "orgs.unit.update"
    UNIT_MOVE = "orgs.unit.move"
    UNIT_RETIRE = "orgs.unit.retire"
    UNIT_REINSTATE = "orgs.unit.reinstate"
    UNIT_DELETE = "orgs.unit.delete"
    BULK_LOAD = "orgs.bulk_load"
