"""Every write to the registers, each with its audit event in the same transaction: members and
posts, trainings, service activities, their evidence, the township's inclusion record and the
association's profile.

The package: `rules` (who keeps a register, the stale-edit error), `members`, `posts`, `fields`
(the records' limits and cleaning), `trainings`, `activities`, `record_evidence`, `inclusion` and
`profiles`. Names are re-exported here; patch a name in the module that uses it.
"""

from registers.services.activities import (
    activity_snapshot,
    carrier_choices,
    do_create_activity,
    do_delete_activity,
    do_update_activity,
)
from registers.services.fields import (
    ACTIVITY_FIELDS,
    FIRST_YEAR,
    MAX_FUNDS,
    MAX_HOURS,
    MAX_PEOPLE,
    NUMBER,
    PROFILE_FIELDS,
    PROFILE_MONEY_FIELDS,
    TRAINING_FIELDS,
    WHOLE_NUMBER,
    json_list_has,
)
from registers.services.inclusion import (
    check_year,
    do_get_inclusion_record,
    do_save_inclusion,
    inclusion_records,
    inclusion_version,
    takes_inclusion,
)
from registers.services.members import (
    MEMBER_FIELDS,
    check_member,
    do_change_member_status,
    do_create_member,
    do_transfer_member,
    do_update_member,
    member_snapshot,
    record_identity_search,
    reveal_personal_info,
)
from registers.services.posts import PostGap, do_appoint_post, do_end_post, post_gaps, post_snapshot
from registers.services.profiles import (
    do_get_or_create_profile,
    do_save_profile,
    empty_checklist,
    get_profile,
    profile_snapshot,
    takes_profile,
)
from registers.services.record_evidence import (
    do_add_evidence,
    do_delete_evidence,
    evidence_snapshot,
    record_unit,
)
from registers.services.rules import ConflictError, holds_register
from registers.services.trainings import (
    do_create_training,
    do_delete_training,
    do_update_training,
    eligible_attendees,
    training_snapshot,
)

__all__ = [
    "ACTIVITY_FIELDS",
    "ConflictError",
    "FIRST_YEAR",
    "MAX_FUNDS",
    "MAX_HOURS",
    "MAX_PEOPLE",
    "MEMBER_FIELDS",
    "NUMBER",
    "PROFILE_FIELDS",
    "PROFILE_MONEY_FIELDS",
    "PostGap",
    "TRAINING_FIELDS",
    "WHOLE_NUMBER",
    "activity_snapshot",
    "carrier_choices",
    "check_member",
    "check_year",
    "do_add_evidence",
    "do_appoint_post",
    "do_change_member_status",
    "do_create_activity",
    "do_create_member",
    "do_create_training",
    "do_delete_activity",
    "do_delete_evidence",
    "do_delete_training",
    "do_end_post",
    "do_get_inclusion_record",
    "do_get_or_create_profile",
    "do_save_inclusion",
    "do_save_profile",
    "do_transfer_member",
    "do_update_activity",
    "do_update_member",
    "do_update_training",
    "eligible_attendees",
    "empty_checklist",
    "evidence_snapshot",
    "get_profile",
    "holds_register",
    "inclusion_records",
    "inclusion_version",
    "json_list_has",
    "member_snapshot",
    "post_gaps",
    "post_snapshot",
    "profile_snapshot",
    "record_identity_search",
    "record_unit",
    "reveal_personal_info",
    "takes_inclusion",
    "takes_profile",
    "training_snapshot",
]
