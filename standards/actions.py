"""The audit actions of the standards."""

from audit.actions import AuditAction


class StandardAction(AuditAction):
    STANDARD_IMPORT = "standards.standard.import"
    STANDARD_COPY = "standards.standard.copy"
    STANDARD_UPDATE = "standards.standard.update"
    STANDARD_CONFIRM = "standards.standard.confirm"
    INSTALL_DEFAULTS = "standards.install_defaults"
    SECTION_CREATE = "standards.section.create"
    SECTION_UPDATE = "standards.section.update"
    SECTION_DELETE = "standards.section.delete"
    SECTION_MOVE = "standards.section.move"
    ITEM_CREATE = "standards.item.create"
    ITEM_UPDATE = "standards.item.update"
    ITEM_DELETE = "standards.item.delete"
    ITEM_MOVE = "standards.item.move"
    STAGE_CREATE = "standards.stage.create"
    STAGE_UPDATE = "standards.stage.update"
    STAGE_DELETE = "standards.stage.delete"
    STAGE_MOVE = "standards.stage.move"
