"""Evidence files attached to a training, an activity or an inclusion record."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record_event
from orgs.models import OrgUnit
from registers.actions import RegisterAction
from registers.evidence import checked_upload, store_evidence
from registers.models import (
    AssociationProfile,
    Evidence,
    InclusionRecord,
    ProfileItem,
    ServiceActivity,
)

# Evidence files


def record_unit(record) -> OrgUnit:
    """The unit an evidence file's record belongs to: whoever may see that unit may see it."""
    if isinstance(record, ServiceActivity):
        return record.unit
    if isinstance(record, InclusionRecord):
        return record.township
    if isinstance(record, AssociationProfile):
        return record.unit
    raise ValueError(f"Evidence cannot be attached to {type(record).__name__}.")


def _slot_for(record, slot: str) -> str:
    if isinstance(record, AssociationProfile):
        if slot not in ProfileItem.values:
            raise ValidationError({"slot": [_("Choose a checklist item.")]})
        return slot
    if isinstance(record, InclusionRecord):
        return record.item
    return ""


def evidence_snapshot(evidence: Evidence) -> dict[str, Any]:
    return {
        "record": f"{evidence.content_type.app_label}.{evidence.content_type.model}:"
        f"{evidence.object_id}",
        "slot": evidence.slot,
        "name": evidence.original_name,
        "type": evidence.mime_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "stored_as": evidence.file.name,
    }


def _delete_file_on_commit(evidence: Evidence) -> None:
    storage, name = evidence.file.storage, evidence.file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def do_add_evidence(actor, record, uploaded, slot: str = "") -> Evidence:
    """Check the file by its content, store it under a generated name, and record it."""
    checked = checked_upload(uploaded)
    slot = _slot_for(record, slot)
    unit = record_unit(record)

    def audit(evidence: Evidence) -> None:
        record_event(
            actor=actor,
            action=RegisterAction.EVIDENCE_ADD,
            obj=evidence,
            unit_id=unit.pk,
            after=evidence_snapshot(evidence),
        )

    return store_evidence(actor, record, uploaded, checked, slot=slot, unit=unit, audit=audit)


def do_delete_evidence(actor, evidence: Evidence) -> None:
    with transaction.atomic():
        record_event(
            actor=actor,
            action=RegisterAction.EVIDENCE_DELETE,
            obj=evidence,
            unit_id=evidence.unit_id,
            before=evidence_snapshot(evidence),
        )
        _delete_file_on_commit(evidence)
        evidence.delete()
