"""Audit actions that only the tests record."""

from audit.actions import AuditAction


class SampleAction(AuditAction):
    AFTER_EXPORT = "test.after_export"
    WRITE = "test.write"
    LATER = "test.later"
    FIRST = "test.first"
    KEPT = "test.kept"
    ODD = "test.odd"
    LONG = "test.long"
    AFTER = "test.after"
    ROLLED_BACK = "test.rolled_back"
    OLD = "test.old"
    UNIT = "test.unit"
    CHANGE = "test.change"
    USER = "test.user"
    SYSTEM = "test.system"
    F = "test.f"
    HEAD = "test.head"
    PAGE = "test.page"
    SEARCH = "test.search"
    ACTED = "test.acted"
    ELSEWHERE = "test.elsewhere"
    RESULT = "test.result"
    DATED = "test.dated"
    BULK = "test.bulk"
