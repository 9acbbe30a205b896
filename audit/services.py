"""Appending to the audit log, and checking that nobody rewrote it."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.models import GENESIS_HASH, AuditEvent, ChainHead, Result

HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "unit_id",
    "before",
    "after",
    "result",
    "ip_address",
)


def canonical_content(event: AuditEvent) -> str:
    content = {name: getattr(event, name) for name in HASHED_FIELDS}
    content["created_at"] = event.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    content["object_id"] = str(event.object_id)
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_content(event)).encode()).hexdigest()


def _json_safe(value: Any) -> Any:
    # Round-trip through JSON so that what is hashed is what the database gives back.
    return None if value is None else json.loads(json.dumps(value, default=str))


def record_event(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: Any = "",
    object_label: str = "",
    unit_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    result: str = Result.OK,
    ip_address: str = "",
) -> AuditEvent:
    """Append one event. Call it inside the transaction of the change it records."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_label = object_label or str(obj)[:200]
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(pk=1)
        event = AuditEvent(
            seq=head.last_seq + 1,
            created_at=timezone.now().astimezone(UTC),
            actor=user,
            actor_name=user.get_username() if user else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id if object_id is not None else ""),
            object_label=object_label,
            unit_id=unit_id,
            before=_json_safe(before),
            after=_json_safe(after),
            result=result,
            ip_address=ip_address or "",
            prev_hash=head.last_hash,
        )
        event.hash = event_hash(head.last_hash, event)
        event.save(force_insert=True)
        head.last_seq, head.last_hash = event.seq, event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    last_seq: int = 0
    last_hash: str = GENESIS_HASH


def verify_chain(expected_head: tuple[int, str] | None = None) -> VerifyReport:
    """Walk the whole chain; report the first event whose link or content does not hold."""
    previous_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    events = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    for event in events:
        if event.seq != expected_seq:
            return VerifyReport(False, checked, expected_seq, f"event {expected_seq} is missing")
        if event.prev_hash != previous_hash:
            return VerifyReport(False, checked, event.seq, "link to the previous event is broken")
        if event_hash(previous_hash, event) != event.hash:
            return VerifyReport(False, checked, event.seq, "content does not match its hash")
        previous_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    last_seq = expected_seq - 1
    head = ChainHead.objects.get(pk=1)
    if (head.last_seq, head.last_hash) != (last_seq, previous_hash):
        return VerifyReport(
            False, checked, last_seq + 1, "events after the last one were removed", last_seq
        )
    if expected_head is not None:
        seq, digest = expected_head
        if seq > last_seq:
            return VerifyReport(False, checked, last_seq + 1, f"chain ends before event {seq}")
        if AuditEvent.objects.filter(seq=seq, hash=digest).count() != 1:
            return VerifyReport(False, checked, seq, "does not match the exported chain head")
    return VerifyReport(True, checked, None, "", last_seq, previous_hash)


def current_head() -> tuple[int, str]:
    head = ChainHead.objects.get(pk=1)
    return head.last_seq, head.last_hash


def parse_exported_head(text: str) -> tuple[int, str]:
    seq, _, digest = text.strip().partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise ValueError("expected SEQ:HASH as printed by `sanlian audit head`")
    return int(seq), digest


def event_time(event: AuditEvent) -> datetime:
    return timezone.localtime(event.created_at)
