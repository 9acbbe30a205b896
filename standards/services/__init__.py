"""Every write to a standard: import, copy, edits of the standard, its sections, items and chain,
and confirmation. Each writes its audit event in the same transaction.

A version that a round has pinned is frozen: every edit of it is refused (copy it to a new version
instead), so a new version never changes a past round's results. Callers check who may edit
(standards.access); these functions check what may change.

The package: `common` (fields, snapshots, the frozen check, bands), `versions` (a standard as a
whole) and `parts` (sections, items, stages). Names are re-exported here; patch a name in the
module that uses it.
"""

from standards.services.common import (
    ITEM_FIELDS,
    SECTION_FIELDS,
    STAGE_FIELDS,
    STANDARD_FIELDS,
    FrozenError,
    bands_text,
    item_snapshot,
    parse_bands_text,
    section_snapshot,
    stage_snapshot,
    standard_snapshot,
)
from standards.services.parts import (
    do_add_item,
    do_add_section,
    do_add_stage,
    do_delete_item,
    do_delete_section,
    do_delete_stage,
    do_move,
    do_update_item,
    do_update_section,
    do_update_stage,
)
from standards.services.versions import (
    consistency_problems,
    do_confirm_standard,
    do_copy_standard,
    do_import_standard,
    do_update_standard,
)

__all__ = [
    "FrozenError",
    "ITEM_FIELDS",
    "SECTION_FIELDS",
    "STAGE_FIELDS",
    "STANDARD_FIELDS",
    "bands_text",
    "consistency_problems",
    "do_add_item",
    "do_add_section",
    "do_add_stage",
    "do_confirm_standard",
    "do_copy_standard",
    "do_delete_item",
    "do_delete_section",
    "do_delete_stage",
    "do_import_standard",
    "do_move",
    "do_update_item",
    "do_update_section",
    "do_update_stage",
    "do_update_standard",
    "item_snapshot",
    "parse_bands_text",
    "section_snapshot",
    "stage_snapshot",
    "standard_snapshot",
]
