"""`sanlian keys rotate`: every member's ID number and phone re-encrypted and re-indexed under the
new key, with the key's id in each value; resumable after an interruption; audited; and refused
with a key that is not the database's."""

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.utils import translation

from audit.models import AuditEvent
from audit.services import verify_chain
from registers import pii
from registers.models import Member
from registers.services import do_create_member
from sanlian.keys import KeyMismatch, fingerprint, recorded_fingerprint, verify_pii_key
from sanlian.rotation import pending_members, rotate_pii_key


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


PEOPLE = [
    ("王建国", "430121196003050017", "13812345678"),
    ("李秀英", "430121197507120028", ""),
    ("赵磊", "43012119881111003X", "13900000001"),
]


@pytest.fixture
def old_key(tree, settings):
    """Three members under the database's key; then the new key is configured."""
    for name, number, phone in PEOPLE:
        do_create_member(None, tree.village_1, name=name, id_number=number, phone=phone)
    do_create_member(None, tree.village_1, name="无证件")
    old = settings.PII_KEY
    settings.PII_KEY = Fernet.generate_key().decode()
    return old


def _plain(member):
    return pii.decrypt(member.id_number_encrypted), pii.decrypt(member.phone_encrypted)


@pytest.mark.django_db
def test_it_reencrypts_and_reindexes_every_member_under_the_new_key(old_key, settings):
    report = rotate_pii_key(None, old_key)
    assert report.converted == 3
    members = {m.name: m for m in Member.objects.all()}
    for name, number, phone in PEOPLE:
        member = members[name]
        assert _plain(member) == (number, phone)
        assert pii.is_under(member.id_number_encrypted, settings.PII_KEY)
        assert Member.objects.get(id_number_hash=pii.blind_index("id", number)) == member
    assert recorded_fingerprint() == fingerprint(settings.PII_KEY)
    verify_pii_key()  # the application starts with the new key


@pytest.mark.django_db
def test_it_audits_the_start_and_the_end_of_a_rotation(old_key, settings):
    rotate_pii_key(None, old_key)
    started = AuditEvent.objects.get(action="system.key_rotation_started")
    ended = AuditEvent.objects.get(action="system.key_rotated")
    assert started.before == {"fingerprint": fingerprint(old_key)}
    assert ended.after["fingerprint"] == fingerprint(settings.PII_KEY)
    assert verify_chain().ok


@pytest.mark.django_db
def test_it_resumes_an_interrupted_rotation(old_key, settings):
    class Interrupted(Exception):
        pass

    def stop_after_first_batch(done):
        raise Interrupted

    with pytest.raises(Interrupted):
        rotate_pii_key(None, old_key, batch_size=1, progress=stop_after_first_batch)
    assert pending_members(settings.PII_KEY).count() == 2
    with pytest.raises(KeyMismatch, match="not finished"):
        verify_pii_key()  # no process starts half-way
    report = rotate_pii_key(None, old_key, batch_size=1)
    assert report.resumed and report.converted == 2
    assert pending_members(settings.PII_KEY).count() == 0
    assert sorted(_plain(m)[0] for m in Member.objects.exclude(id_number_encrypted="")) == sorted(
        number for _, number, _ in PEOPLE
    )


@pytest.mark.django_db
def test_it_refuses_an_old_key_that_is_not_the_databases(old_key):
    with pytest.raises(KeyMismatch, match="fingerprint"):
        rotate_pii_key(None, Fernet.generate_key().decode())
    assert not AuditEvent.objects.filter(action="system.key_rotation_started").exists()


@pytest.mark.django_db
def test_it_rotates_from_the_command_line(old_key, tmp_path, capsys):
    key_file = Path(tmp_path / "old.key")
    key_file.write_text(f"SANLIAN_PII_KEY={old_key}\n")
    call_command("keys", "rotate", "--old-key-file", str(key_file))
    assert "3" in capsys.readouterr().out
    with pytest.raises(CommandError, match="fingerprint"):
        call_command("keys", "rotate", "--old-key-file", str(key_file))
