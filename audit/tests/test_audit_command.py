"""`sanlian audit verify [--head SEQ:HASH]` and `sanlian audit head`: output and exit codes."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import translation

from audit.management.commands.audit import Command
from audit.models import AuditEvent, ChainHead
from audit.services import current_head, record_event
from audit.tests.actions import SampleAction


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def chain(db):
    return [
        record_event(
            actor=None,
            action=SampleAction.WRITE,
            object_label=f"第{number}条",
            before={"名称": "李家村", "z": number, "a": [1, "二"]},
            after={"名称": "王庄村", "人口": 1800 + number, "flag": True},
        )
        for number in range(1, 6)
    ]


def audit(*argv) -> tuple[int, str]:
    """Run the command; its exit code (as `sanlian` would exit) and what it printed."""
    out = StringIO()
    try:
        call_command("audit", *argv, stdout=out, stderr=StringIO())
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out.getvalue()


def test_it_reports_how_many_events_an_intact_chain_has(chain):
    code, output = audit("verify")
    assert code == 0
    assert f"{len(chain)} events checked" in output
    assert f"head {chain[-1].seq}:{chain[-1].hash}" in output


def test_it_prints_the_head_for_export(chain):
    code, output = audit("head")
    assert code == 0
    assert output.strip() == f"{chain[-1].seq}:{chain[-1].hash}"
    assert current_head() == (chain[-1].seq, chain[-1].hash)


def test_it_exits_1_naming_an_edited_event(chain):
    AuditEvent.objects.filter(pk=chain[2].pk).update(after={"名称": "张湾村"})
    code, message = audit("verify")
    assert code == 1
    assert f"broken at event {chain[2].seq}:" in message
    assert "does not match its hash" in message


def test_it_exits_1_naming_a_deleted_middle_event(chain):
    AuditEvent.objects.filter(pk=chain[1].pk).delete()
    code, message = audit("verify")
    assert code == 1
    assert f"broken at event {chain[1].seq}: event {chain[1].seq} is missing" in message


def test_it_exits_1_naming_the_first_of_two_swapped_events(chain):
    first, second = chain[1], chain[2]
    with transaction.atomic():
        AuditEvent.objects.filter(pk=first.pk).update(seq=-1)
        AuditEvent.objects.filter(pk=second.pk).update(seq=first.seq)
        AuditEvent.objects.filter(pk=first.pk).update(seq=second.seq)
    code, message = audit("verify")
    assert code == 1
    assert f"broken at event {first.seq}:" in message


def test_it_exits_1_when_the_last_event_is_deleted(chain):
    AuditEvent.objects.filter(pk=chain[-1].pk).delete()
    code, message = audit("verify")
    assert code == 1
    assert f"broken at event {chain[-1].seq}:" in message
    assert "chain head" in message


def test_it_catches_a_truncation_that_rewrote_the_head_with_an_exported_head(chain):
    _, exported = audit("head")
    record_event(actor=None, action=SampleAction.AFTER_EXPORT)
    removed = chain[-1]
    AuditEvent.objects.filter(seq__gte=removed.seq).delete()
    ChainHead.objects.filter(pk=1).update(last_seq=removed.seq - 1, last_hash=removed.prev_hash)

    assert audit("verify")[0] == 0
    code, message = audit("verify", "--head", exported.strip())
    assert code == 1
    assert f"broken at event {removed.seq}:" in message
    assert f"before the exported head {removed.seq}" in message


def test_it_passes_with_an_earlier_exported_head_on_an_intact_chain(chain):
    _, exported = audit("head")
    record_event(actor=None, action=SampleAction.AFTER_EXPORT)
    code, output = audit("verify", "--head", exported.strip())
    assert code == 0
    assert f"{len(chain) + 1} events checked" in output


def test_it_exits_1_when_the_exported_head_does_not_match(chain):
    code, message = audit("verify", "--head", f"{chain[1].seq}:{'e' * 64}")
    assert code == 1
    assert f"event {chain[1].seq} does not match the exported chain head" in message


def test_it_refuses_a_malformed_head(chain):
    code, message = audit("verify", "--head", "3:abc")
    assert code != 0
    assert "SEQ:HASH" in message


def test_it_exits_with_status_1_from_the_command_line(chain, monkeypatch, capsys):
    """run_from_argv is what `sanlian audit verify` runs; keep the test's connection open."""
    from django.core.management import base

    monkeypatch.setattr(base.connections, "close_all", lambda: None)
    AuditEvent.objects.filter(pk=chain[0].pk).update(action="test.edited")
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["sanlian", "audit", "verify"])
    assert exit_info.value.code == 1
    assert f"broken at event {chain[0].seq}" in capsys.readouterr().err
