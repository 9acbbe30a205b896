"""The hash chain of the audit log: every edit, deletion or reordering is found."""

import pytest
from django.db import transaction
from django.utils import translation

from audit.models import GENESIS_HASH, AuditEvent, ChainHead
from audit.services import (
    ChainHeadMissing,
    canonical_content,
    current_head,
    event_hash,
    parse_exported_head,
    record_event,
    verify_chain,
)
from audit.tests.actions import SampleAction

# Several keys in an order jsonb will not keep (it sorts by length, then bytes), non-ASCII text,
# nesting, and numbers jsonb rewrites (1e16 comes back as an integer).
BEFORE = {
    "zeta": "最后",
    "name": "李家村",
    "a": 1,
    "population": 2400,
    "nested": {"县": "长沙县", "b": [3, "二", None], "aa": True},
    "ratio": 0.25,
    "big": 1e16,
}
AFTER = {"name": "李家村（新）", "population": 2500, "remark": '「引号」 and "quotes" \\ ✓'}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def chain(db):
    """Six events; returns them in order."""
    events = []
    for number in range(1, 7):
        events.append(
            record_event(
                actor=None,
                action=SampleAction.WRITE,
                object_type="orgs.orgunit",
                object_id=number,
                object_label=f"第{number}条",
                unit_id=number,
                before=BEFORE,
                after={**AFTER, "number": number},
            )
        )
    return events


def test_it_verifies_an_intact_chain(chain):
    report = verify_chain()
    assert report.ok
    assert report.checked == AuditEvent.objects.count() == chain[-1].seq
    assert (report.last_seq, report.last_hash) == current_head() == (chain[-1].seq, chain[-1].hash)


def test_it_numbers_events_without_gaps(chain):
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert chain[1].prev_hash == chain[0].hash


def test_it_hashes_what_the_database_gives_back(chain):
    stored = AuditEvent.objects.get(pk=chain[2].pk)
    assert stored.before == BEFORE
    assert stored.before["nested"]["县"] == "长沙县"
    assert canonical_content(stored) == canonical_content(chain[2])
    assert event_hash(stored.prev_hash, stored) == stored.hash


def test_it_keeps_non_ascii_text_readable_in_the_canonical_form(chain):
    content = canonical_content(chain[0])
    assert "李家村（新）" in content and "\\u" not in content


def test_it_finds_an_edited_event(chain):
    target = chain[2]
    AuditEvent.objects.filter(pk=target.pk).update(after={**AFTER, "name": "张湾村"})
    report = verify_chain()
    assert not report.ok
    assert report.broken_seq == target.seq
    assert "does not match its hash" in report.reason
    assert report.checked == target.seq - 1


def test_it_ignores_the_key_order_of_stored_json(chain):
    target = chain[2]
    reordered = dict(reversed(list(target.before.items())))
    AuditEvent.objects.filter(pk=target.pk).update(before=reordered)
    assert verify_chain().ok


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("actor_name", "somebody"),
        ("action", "test.other"),
        ("object_id", "99"),
        ("object_label", "第九条"),
        ("unit_id", 999),
        ("result", "denied"),
        ("ip_address", "10.0.0.9"),
        ("before", None),
    ],
)
def test_it_finds_an_edit_of_any_hashed_field(chain, field, value):
    target = chain[3]
    AuditEvent.objects.filter(pk=target.pk).update(**{field: value})
    report = verify_chain()
    assert (report.ok, report.broken_seq) == (False, target.seq)


def test_it_finds_an_edited_time(chain):
    target = chain[1]
    AuditEvent.objects.filter(pk=target.pk).update(
        created_at=target.created_at.replace(year=target.created_at.year - 1)
    )
    assert verify_chain().broken_seq == target.seq


def test_it_finds_an_edited_event_whose_hash_was_recomputed(chain):
    target = AuditEvent.objects.get(pk=chain[2].pk)
    target.action = "test.forged"
    forged = event_hash(target.prev_hash, target)
    AuditEvent.objects.filter(pk=target.pk).update(action="test.forged", hash=forged)
    report = verify_chain()
    assert report.broken_seq == chain[3].seq
    assert "does not link" in report.reason


def test_it_finds_a_deleted_middle_event(chain):
    AuditEvent.objects.filter(pk=chain[3].pk).delete()
    report = verify_chain()
    assert (report.ok, report.broken_seq) == (False, chain[3].seq)
    assert report.reason == f"event {chain[3].seq} is missing"


def test_it_finds_swapped_contents(chain):
    first, second = chain[2], chain[3]
    swapped = ("object_id", "object_label", "unit_id", "before", "after")
    AuditEvent.objects.filter(pk=first.pk).update(**{f: getattr(second, f) for f in swapped})
    AuditEvent.objects.filter(pk=second.pk).update(**{f: getattr(first, f) for f in swapped})
    report = verify_chain()
    assert (report.ok, report.broken_seq) == (False, first.seq)


def test_it_finds_swapped_sequence_numbers(chain):
    first, second = chain[2], chain[3]
    with transaction.atomic():
        AuditEvent.objects.filter(pk=first.pk).update(seq=-1)
        AuditEvent.objects.filter(pk=second.pk).update(seq=first.seq)
        AuditEvent.objects.filter(pk=first.pk).update(seq=second.seq)
    report = verify_chain()
    assert (report.ok, report.broken_seq) == (False, first.seq)


def test_it_finds_a_deleted_last_event(chain):
    AuditEvent.objects.filter(pk=chain[-1].pk).delete()
    report = verify_chain()
    assert (report.ok, report.broken_seq) == (False, chain[-1].seq)
    assert "the chain head says the log runs to event" in report.reason


def test_it_needs_an_exported_head_when_the_head_row_was_rewritten_too(chain):
    exported = current_head()
    last = chain[-1]
    AuditEvent.objects.filter(pk=last.pk).delete()
    ChainHead.objects.filter(pk=1).update(last_seq=last.seq - 1, last_hash=last.prev_hash)
    assert verify_chain().ok  # nothing left inside the database to contradict the attacker
    report = verify_chain(exported)
    assert (report.ok, report.broken_seq) == (False, last.seq)
    assert "before the exported head" in report.reason


def test_it_finds_a_rewritten_history_with_the_exported_head(chain):
    exported = (chain[3].seq, chain[3].hash)
    previous = chain[1].hash
    for event in AuditEvent.objects.filter(seq__gte=chain[2].seq).order_by("seq"):
        if event.seq == chain[2].seq:
            event.object_label = "伪造"
        event.prev_hash = previous
        event.hash = event_hash(previous, event)
        event.save()
        previous = event.hash
    ChainHead.objects.filter(pk=1).update(last_hash=previous)
    assert verify_chain().ok
    report = verify_chain(exported)
    assert (report.ok, report.broken_seq) == (False, chain[3].seq)
    assert "does not match the exported chain head" in report.reason


def test_it_accepts_an_earlier_exported_head_of_an_intact_chain(chain):
    exported = (chain[2].seq, chain[2].hash)
    record_event(actor=None, action=SampleAction.LATER)
    assert verify_chain(exported).ok


def test_it_finds_a_rewritten_head_hash(chain):
    ChainHead.objects.filter(pk=1).update(last_hash="f" * 64)
    report = verify_chain()
    assert (report.ok, report.broken_seq) == (False, chain[-1].seq)
    assert "the chain head does not match" in report.reason


def test_it_finds_events_beyond_a_rewound_head(chain):
    ChainHead.objects.filter(pk=1).update(last_seq=chain[3].seq, last_hash=chain[3].hash)
    report = verify_chain()
    assert (report.ok, report.broken_seq) == (False, chain[4].seq)
    assert "beyond the chain head" in report.reason


def test_it_finds_a_deleted_head_row(chain):
    ChainHead.objects.all().delete()
    report = verify_chain()
    assert not report.ok and "head record is missing" in report.reason
    with pytest.raises(ChainHeadMissing):
        record_event(actor=None, action=SampleAction.AFTER)


def test_it_starts_from_the_genesis_when_head_and_events_are_both_gone(db):
    AuditEvent.objects.all().delete()
    ChainHead.objects.all().delete()
    event = record_event(actor=None, action=SampleAction.FIRST)
    assert (event.seq, event.prev_hash) == (1, GENESIS_HASH)
    assert verify_chain().ok


def test_it_accepts_the_genesis_head_of_an_empty_chain(db):
    assert not AuditEvent.objects.exists()
    assert current_head() == (0, GENESIS_HASH)
    assert verify_chain((0, GENESIS_HASH)).ok
    assert verify_chain((1, GENESIS_HASH)).broken_seq == 1


def test_it_leaves_no_gap_after_a_rolled_back_transaction(chain):
    before = current_head()
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(actor=None, action=SampleAction.ROLLED_BACK)
        raise RuntimeError("undo")
    assert current_head() == before
    after = record_event(actor=None, action=SampleAction.KEPT)
    assert after.seq == before[0] + 1 and after.prev_hash == before[1]
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    assert verify_chain().ok


def test_it_stores_values_jsonb_would_refuse(db):
    event = record_event(
        actor=None,
        action=SampleAction.ODD,
        after={"nan": float("nan"), "inf": float("-inf"), "nul": "a\x00b", 3: "int key"},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.after == {"nan": "nan", "inf": "-inf", "nul": "a\ufffdb", "3": "int key"}
    assert verify_chain().ok


def test_it_truncates_overlong_labels_instead_of_failing(db):
    event = record_event(actor=None, action=SampleAction.LONG, object_label="村" * 300)
    assert len(AuditEvent.objects.get(pk=event.pk).object_label) == 200
    assert verify_chain().ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"12:{'a' * 64}", (12, "a" * 64)),
        (f"  7:{'AB' * 32}\n", (7, "ab" * 32)),
        (f"0:{GENESIS_HASH}", (0, GENESIS_HASH)),
    ],
)
def test_it_parses_an_exported_head(text, expected):
    assert parse_exported_head(text) == expected


@pytest.mark.parametrize(
    "text", ["", "12", f"x:{'a' * 64}", f"-1:{'a' * 64}", f"3:{'g' * 64}", "3:abc", f"٣:{'a' * 64}"]
)
def test_it_rejects_a_malformed_exported_head(text):
    with pytest.raises(ValueError, match="SEQ:HASH"):
        parse_exported_head(text)
