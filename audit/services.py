"""Appending to the audit log, and checking that nobody rewrote it."""

import hashlib
import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.actions import AuditAction
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


def _canonical_json(value: Any) -> Any:
    # PostgreSQL's jsonb stores numbers as numeric: 1e16 comes back as the integer
    # 10000000000000000, and it reorders keys (sort_keys below takes care of that). An integral
    # float is hashed as the integer so that SQLite and PostgreSQL agree.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(key): _canonical_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_json(item) for item in value]
    return value


def canonical_content(event: AuditEvent) -> str:
    content = {name: getattr(event, name) for name in HASHED_FIELDS}
    content["created_at"] = event.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    content["object_id"] = str(event.object_id)
    content["before"] = _canonical_json(event.before)
    content["after"] = _canonical_json(event.after)
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_content(event)).encode()).hexdigest()


def _storable(value: Any) -> Any:
    # jsonb refuses NaN, Infinity and the NUL character; keep them readable instead of failing
    # the write that is being recorded.
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


def _json_safe(value: Any) -> Any:
    # Round-trip through JSON so that what is hashed is what the database gives back.
    return None if value is None else _storable(json.loads(json.dumps(value, default=str)))


class ChainHeadMissing(RuntimeError):
    """The chain head row is gone while events remain: appending would fork the log."""


def _locked_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # A flushed database (a transactional test, a fresh restore) has neither head nor events;
        # start again from the genesis. Events without a head mean tampering: refuse to write.
        if AuditEvent.objects.exists():
            raise ChainHeadMissing("The audit chain head is missing; run `sanlian audit verify`.")
        ChainHead.objects.get_or_create(pk=1)
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def lock_head() -> None:
    """Take the chain head now, in the caller's transaction.

    The one lock order of every writing transaction (docs/decisions.md, Lock order): the rows the
    service itself changes, then the audit chain head, then the roll-up rows in (unit, year)
    order. Roll-up maintenance calls this before it locks its rows, so that a service that
    refreshes roll-ups before writing its event (a member save) and one that writes its event
    before the refresh (a unit created) queue on the head instead of deadlocking.
    """
    if connection.in_atomic_block:
        _locked_head()
    else:
        with transaction.atomic():
            _locked_head()


class _Deferred:
    """The events recorded inside `deferred_events`, appended to the chain when it ends."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []
        self.kept = True

    def discard(self) -> None:
        """Record none of them (a dry run that is rolled back anyway)."""
        self.kept = False


@contextmanager
def deferred_events() -> Iterator[_Deferred]:
    """Hold back the events recorded inside the block and append them, in order, at its end.

    For long runs (imports and their previews): the head is then locked only for the final
    append, not from the first row to the commit, so log-ins and writes elsewhere do not wait for
    the run. The events are appended in the caller's transaction; on an exception, or after
    `discard()`, nothing is appended.
    """
    outer = getattr(connection, "sanlian_deferred_events", None)
    deferred = _Deferred()
    connection.sanlian_deferred_events = deferred
    try:
        yield deferred
    finally:
        connection.sanlian_deferred_events = outer
    if deferred.kept and deferred.events:
        if outer is not None:
            outer.events.extend(deferred.events)
        else:
            _append(deferred.events)


def _append(events: list[AuditEvent]) -> None:
    with transaction.atomic():
        head = _locked_head()
        for event in events:
            event.seq = head.last_seq + 1
            event.prev_hash = head.last_hash
            event.hash = event_hash(head.last_hash, event)
            event.save(force_insert=True)
            head.last_seq, head.last_hash = event.seq, event.hash
        head.save(update_fields=["last_seq", "last_hash"])


def record_event(
    *,
    actor: Any,
    action: AuditAction,
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
    """Append one event. Call it inside the transaction of the change it records (inside
    `deferred_events` it is appended at the block's end, and has no seq until then). The action
    is a member of an app's `AuditAction` enum (audit/actions.py); a bare string is refused."""
    if not isinstance(action, AuditAction):
        raise TypeError(
            f"record_event takes an AuditAction, not {type(action).__name__} {action!r}"
        )
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_label = object_label or str(obj)[:200]
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        created_at=timezone.now().astimezone(UTC),
        actor=user,
        actor_name=user.get_username() if user else "",
        action=str(action)[:64],
        object_type=str(object_type)[:64],
        object_id=str(object_id if object_id is not None else "")[:64],
        object_label=str(object_label)[:200],
        unit_id=unit_id,
        before=_json_safe(before),
        after=_json_safe(after),
        result=result,
        ip_address=(ip_address or "")[:45],
    )
    deferred = getattr(connection, "sanlian_deferred_events", None)
    if deferred is not None:
        deferred.events.append(event)
    else:
        _append([event])
    return event


def record_change(
    *, actor: Any, action: AuditAction, obj: Any, unit_id: int | None, before: dict, after: dict
) -> AuditEvent | None:
    """Record an edit with only the fields it changed; nothing when it changed nothing."""
    if after == before:
        return None
    return record_event(
        actor=actor,
        action=action,
        obj=obj,
        unit_id=unit_id,
        before={k: v for k, v in before.items() if after.get(k) != v},
        after={k: v for k, v in after.items() if before.get(k) != v},
    )


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    last_seq: int = 0
    last_hash: str = GENESIS_HASH

    @property
    def broken_message(self) -> str:
        """Where and why the chain breaks, for the commands that verify it."""
        return _(
            "Audit chain broken at event %(seq)d: %(reason)s (%(checked)d events checked)."
        ) % {
            "seq": self.broken_seq,
            "reason": self.reason,
            "checked": self.checked,
        }


def _broken(checked: int, seq: int, reason: str) -> VerifyReport:
    return VerifyReport(False, checked, seq, reason)


def verify_chain(expected_head: tuple[int, str] | None = None) -> VerifyReport:
    """Walk the chain; report the first event whose link or content does not hold.

    The head row is read first and the walk stops at the event it names, so that events appended
    while the walk runs (by other processes) are neither a false alarm nor unchecked tampering:
    anything beyond the head that the head does not cover afterwards is reported.
    `expected_head` is a `(seq, hash)` exported earlier by `sanlian audit head`; it catches
    truncation or rewriting that also rewrote the head row.
    """
    head = ChainHead.objects.filter(pk=1).first()
    events = AuditEvent.objects.order_by("seq")
    if head is not None:
        events = events.filter(seq__lte=head.last_seq)
    exported_seq, exported_hash = expected_head if expected_head is not None else (None, None)
    hash_at_exported = GENESIS_HASH if exported_seq == 0 else None
    previous_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    for event in events.iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return _broken(
                checked, expected_seq, _("event %(seq)d is missing") % {"seq": expected_seq}
            )
        if event.prev_hash != previous_hash:
            return _broken(
                checked,
                event.seq,
                _("event %(seq)d does not link to the event before it") % {"seq": event.seq},
            )
        if event_hash(previous_hash, event) != event.hash:
            return _broken(
                checked,
                event.seq,
                _("the content of event %(seq)d does not match its hash") % {"seq": event.seq},
            )
        if event.seq == exported_seq:
            hash_at_exported = event.hash
        previous_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    last_seq = expected_seq - 1

    if head is None:
        if checked:
            return _broken(checked, last_seq + 1, _("the chain head record is missing"))
    elif head.last_seq > last_seq:
        return _broken(
            checked,
            last_seq + 1,
            _("event %(seq)d is missing: the chain head says the log runs to event %(head)d")
            % {"seq": last_seq + 1, "head": head.last_seq},
        )
    elif head.last_hash != previous_hash:
        return _broken(
            checked,
            last_seq,
            _("the chain head does not match event %(seq)d: the event or the head was rewritten")
            % {"seq": last_seq},
        )
    else:
        # Events past the head are either appended meanwhile (the head has moved on since, in
        # the same transaction as the event) or planted / left behind by a rewound head.
        beyond = AuditEvent.objects.filter(seq__gt=head.last_seq).aggregate(top=Max("seq"))["top"]
        if beyond is not None:
            now = ChainHead.objects.filter(pk=1).values_list("last_seq", flat=True).first() or 0
            if beyond > now:
                stray = (
                    AuditEvent.objects.filter(seq__gt=now)
                    .order_by("seq")
                    .values_list("seq", flat=True)
                    .first()
                )
                return _broken(
                    checked,
                    stray,
                    _("event %(seq)d lies beyond the chain head (event %(head)d)")
                    % {"seq": stray, "head": now},
                )

    if expected_head is not None:
        if exported_seq > last_seq:
            return _broken(
                checked,
                last_seq + 1,
                _("the log ends at event %(last)d, before the exported head %(seq)d")
                % {"last": last_seq, "seq": exported_seq},
            )
        if hash_at_exported != exported_hash:
            return _broken(
                checked,
                exported_seq,
                _("event %(seq)d does not match the exported chain head") % {"seq": exported_seq},
            )
    return VerifyReport(True, checked, None, "", last_seq, previous_hash)


def current_head() -> tuple[int, str]:
    head = ChainHead.objects.filter(pk=1).first()
    return (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)


EXPORTED_HEAD = re.compile(r"(?P<seq>[0-9]+):(?P<hash>[0-9a-fA-F]{64})")


def format_head(head: tuple[int, str]) -> str:
    return f"{head[0]}:{head[1]}"


def parse_exported_head(text: str) -> tuple[int, str]:
    match = EXPORTED_HEAD.fullmatch((text or "").strip())
    if match is None:
        raise ValueError(_("expected SEQ:HASH as printed by `sanlian audit head`"))
    return int(match["seq"]), match["hash"].lower()


def event_time(event: AuditEvent) -> datetime:
    return timezone.localtime(event.created_at)
