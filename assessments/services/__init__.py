"""Every write of the assessment chain, each with its audit event in the same transaction.

The chain is the standard's stages: position 0 is the applicant's self-assessment; each later
stage is a level that scores, then passes (or, at the last stage, decides) or returns. Nobody
acts outside their level and subtree, and whoever scored or moved the assessment at one stage
cannot approve it at the next.

The package: `chain` (the stages, who may act, the marks), `rounds`, `applying`, `scoring`
(scores, comments, evidence), `transitions` (submit, pass, return), `decisions` (the last
stage's decision, one or many, awards, withdrawal, revocation) and `spot_checks`. Names are
re-exported here; patch a name in the module that uses it.
"""

from accounts.access import acts_at_level
from assessments.services.applying import do_apply, groups_rated_with, open_group_ratings
from assessments.services.chain import (
    VILLAGE_TITLES,
    ScoreConflict,
    ScoreInput,
    can_act,
    current_stage,
    effective_marks,
    is_last_stage,
    outcome_at,
    participants,
    stages_of,
    with_stages,
)
from assessments.services.decisions import (
    BULK_DECISION_LIMIT,
    BulkDecision,
    Refusal,
    _award,
    can_decide,
    can_revoke,
    deciding_level,
    do_decide,
    do_decide_many,
    do_revoke_title,
    do_withdraw,
    holds_title_in,
    prerequisite_met,
)
from assessments.services.rounds import (
    cadence_warnings,
    can_close_round,
    do_close_round,
    do_create_round,
    due_for_rerating,
)
from assessments.services.scoring import (
    can_comment,
    do_attach_evidence,
    do_comment,
    do_save_scores,
    scoring_target,
)
from assessments.services.spot_checks import (
    MAX_SAMPLE_COUNT,
    MAX_SEED,
    do_draw_spot_check,
    do_record_inspection,
    draw_sample,
    redraw,
    spot_check_population,
    spot_check_township,
    spot_check_townships,
)
from assessments.services.transitions import do_pass, do_return, do_submit

__all__ = [
    "BULK_DECISION_LIMIT",
    "BulkDecision",
    "MAX_SAMPLE_COUNT",
    "MAX_SEED",
    "Refusal",
    "ScoreConflict",
    "ScoreInput",
    "VILLAGE_TITLES",
    "_award",
    "acts_at_level",
    "cadence_warnings",
    "can_act",
    "can_close_round",
    "can_comment",
    "can_decide",
    "can_revoke",
    "current_stage",
    "deciding_level",
    "do_apply",
    "do_attach_evidence",
    "do_close_round",
    "do_comment",
    "do_create_round",
    "do_decide",
    "do_decide_many",
    "do_draw_spot_check",
    "do_pass",
    "do_record_inspection",
    "do_return",
    "do_revoke_title",
    "do_save_scores",
    "do_submit",
    "do_withdraw",
    "draw_sample",
    "due_for_rerating",
    "effective_marks",
    "groups_rated_with",
    "holds_title_in",
    "is_last_stage",
    "open_group_ratings",
    "outcome_at",
    "participants",
    "prerequisite_met",
    "redraw",
    "scoring_target",
    "spot_check_population",
    "spot_check_township",
    "spot_check_townships",
    "stages_of",
    "with_stages",
]
