"""Storing an evidence file, for every record that takes one (trainings, activities, 三纳入四同时,
profiles, assessments): the one home of the rule (docs/decisions.md, "One home per rule").

The file is checked by its content (registers.uploads), stored under a name that says nothing
the user chose (a random id and the sniffed type's extension), and recorded with its audit event
in one transaction; when that fails, the stored file is deleted again.
"""

import uuid
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction

from orgs.models import OrgUnit
from registers.models import Evidence
from registers.uploads import CheckedFile, check_upload


def checked_upload(uploaded) -> CheckedFile:
    """The upload's type, size and digest; a refusal is the form's `file` field error."""
    try:
        return check_upload(uploaded)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None


def store_evidence(
    actor,
    record,
    uploaded,
    checked: CheckedFile,
    *,
    slot: str,
    unit: OrgUnit,
    audit: Callable[[Evidence], None],
) -> Evidence:
    """Store the checked upload as `record`'s evidence in `slot`, seen by `unit`'s subtree;
    `audit(evidence)` writes the caller's audit event in the same transaction."""
    evidence = Evidence(
        record=record,
        slot=slot,
        unit=unit,
        original_name=checked.original_name,
        mime_type=checked.file_type.mime,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    evidence.file.save(f"{uuid.uuid4().hex}.{checked.file_type.extension}", uploaded, save=False)
    try:
        with transaction.atomic():
            evidence.save()
            audit(evidence)
    except BaseException:
        evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence
