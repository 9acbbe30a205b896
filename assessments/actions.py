"""The audit actions of the assessment chain, rounds, titles and spot checks."""

from audit.actions import AuditAction


class AssessmentAction(AuditAction):
    ASSESSMENT_APPLY = "assessment.apply"
    ASSESSMENT_SUBMIT = "assessment.submit"
    ASSESSMENT_PASS = "assessment.pass"
    ASSESSMENT_RETURN = "assessment.return"
    ASSESSMENT_AWARD = "assessment.award"
    ASSESSMENT_NOT_AWARD = "assessment.not_award"
    ASSESSMENT_WITHDRAW = "assessment.withdraw"
    ASSESSMENT_SCORE = "assessment.score"
    ASSESSMENT_COMMENT = "assessment.comment"
    ASSESSMENT_EVIDENCE = "assessment.evidence"
    ASSESSMENT_HISTORY = "assessment.history"
    ROUND_CREATE = "round.create"
    ROUND_CLOSE = "round.close"
    TITLE_AWARD = "title.award"
    TITLE_REVOKE = "title.revoke"
    TITLE_CARRY_IN = "title.carry_in"
    SPOT_CHECK_DRAW = "spot_check.draw"
    SPOT_CHECK_INSPECT = "spot_check.inspect"
    BULK_LOAD = "assessments.bulk_load"
    SELECTION_PLACES = "selection.places"
    SELECTION_MARK = "selection.mark"
    SELECTION_CONFIRM = "selection.confirm"
