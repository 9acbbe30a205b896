"""`sanlian keys rotate`: re-encrypt and re-index every member's ID number and phone under the
configured (new) key, reading them with the old one; resumable and audited.

Run it with the web application and the worker stopped, SANLIAN_PII_KEY set to the new key and the
old key given to the command. It marks the rotation as started (so no process starts with either
key meanwhile), converts the rows in committed batches (a row is done when its values carry the new
key's id, so a second run continues where the first stopped), then records the new key's
fingerprint and ends the rotation, each step with its audit event.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from audit.services import record_event
from registers import pii
from registers.models import Member
from sanlian.actions import SystemAction
from sanlian.keys import PII, KeyMismatch, fingerprint
from sanlian.models import KeyFingerprint

ROTATION = "pii-rotation"
FIELDS = ["id_number_encrypted", "id_number_hash", "phone_encrypted", "phone_hash"]


@dataclass
class RotationReport:
    converted: int
    resumed: bool
    old_fingerprint: str
    new_fingerprint: str


def rotation_in_progress() -> str | None:
    """The fingerprint of the key a started rotation converts to, or None."""
    row = KeyFingerprint.objects.filter(purpose=ROTATION).first()
    return row.fingerprint if row else None


def pending_members(new_key: str):
    prefix = pii.keyed_prefix(new_key)
    not_done = Q(~Q(id_number_encrypted=""), ~Q(id_number_encrypted__startswith=prefix)) | Q(
        ~Q(phone_encrypted=""), ~Q(phone_encrypted__startswith=prefix)
    )
    return Member.objects.filter(not_done).order_by("pk")


def _start(actor, old_key: str, new_key: str) -> bool:
    """Checks the keys against the database and marks the rotation started; True when resuming."""
    old, new = fingerprint(old_key), fingerprint(new_key)
    if old == new:
        raise KeyMismatch(_("The old and the new key are the same key."))
    recorded = KeyFingerprint.objects.filter(purpose=PII).values_list("fingerprint", flat=True)
    recorded = recorded.first()
    if recorded != old:
        raise KeyMismatch(
            _(
                "The old key's fingerprint is %(old)s, but this database was encrypted with the "
                "key whose fingerprint is %(recorded)s."
            )
            % {"old": old, "recorded": recorded or "-"}
        )
    target = rotation_in_progress()
    if target is not None and target != new:
        raise KeyMismatch(
            _(
                "A rotation to the key whose fingerprint is %(target)s was started; finish it "
                "with that key."
            )
            % {"target": target}
        )
    if target is not None:
        return True
    with transaction.atomic():
        KeyFingerprint.objects.create(purpose=ROTATION, fingerprint=new)
        record_event(
            actor=actor,
            action=SystemAction.KEY_ROTATION_STARTED,
            object_type="key",
            object_label=PII,
            before={"fingerprint": old},
            after={"fingerprint": new},
        )
    return False


def _convert(members: list[Member], old_key: str, new_key: str) -> None:
    id_index, phone_index = pii.blind_indexer("id", new_key), pii.blind_indexer("phone", new_key)
    for member in members:
        number = pii.decrypt(member.id_number_encrypted, [old_key, new_key])
        phone = pii.decrypt(member.phone_encrypted, [old_key, new_key])
        member.id_number_encrypted = pii.encrypt(number, new_key)
        member.id_number_hash = id_index(number) or None
        member.phone_encrypted = pii.encrypt(phone, new_key)
        member.phone_hash = phone_index(phone)


def rotate_pii_key(
    actor,
    old_key: str,
    *,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> RotationReport:
    new_key = settings.PII_KEY
    resumed = _start(actor, old_key, new_key)
    converted = 0
    while True:
        with transaction.atomic():
            batch = list(pending_members(new_key).select_for_update()[:batch_size])
            if not batch:
                break
            _convert(batch, old_key, new_key)
            Member.objects.bulk_update(batch, FIELDS)
        converted += len(batch)
        if progress is not None:
            progress(converted)
    with transaction.atomic():
        KeyFingerprint.objects.filter(purpose=PII).update(fingerprint=fingerprint(new_key))
        KeyFingerprint.objects.filter(purpose=ROTATION).delete()
        record_event(
            actor=actor,
            action=SystemAction.KEY_ROTATED,
            object_type="key",
            object_label=PII,
            before={"fingerprint": fingerprint(old_key)},
            after={"fingerprint": fingerprint(new_key), "members": Member.objects.count()},
        )
    return RotationReport(converted, resumed, fingerprint(old_key), fingerprint(new_key))
