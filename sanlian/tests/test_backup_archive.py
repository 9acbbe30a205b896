"""The whole installation in one archive: database, uploaded files and a manifest, owner-only; a
restore drill on it brings back the same figures, the same audit head and every evidence file; and
`sanlian evidence verify` names a file that was lost, changed or swapped."""

import io
import json
import os
import stat
import tarfile
from datetime import date
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation

from audit.models import AuditEvent
from audit.services import current_head
from campaigns import rollups
from registers.models import Carrier, Evidence, Member
from registers.services import do_add_evidence, do_create_activity, do_create_member
from sanlian.evidence import CHANGED, LOST, SWAPPED, verify_evidence
from sanlian.keys import fingerprint

ID_WANG = "430121196003050017"
ID_LI = "430121197507120028"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
PDF = b"%PDF-1.4\n" + b"1 0 obj\n" * 8


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _activity(tree):
    return do_create_activity(
        None,
        tree.village_1,
        date=date(2025, 4, 1),
        carrier=Carrier.objects.get(name="生育关怀"),
        title="走访慰问",
    )


def _evidence(record, name, content):
    return do_add_evidence(None, record, SimpleUploadedFile(name, content))


def _figures(tree):
    county = rollups.figures(tree.county_a, 2025)
    return county.active_members, county.villages, county.groups


@pytest.fixture
def installation(live_seeded, tree, media):
    """Two members and an activity with two evidence files."""
    for name, number in (("王建国", ID_WANG), ("李秀英", ID_LI)):
        do_create_member(None, tree.village_1, name=name, id_number=number)
    activity = _activity(tree)
    photo, report = _evidence(activity, "照片.png", PNG), _evidence(activity, "报告.pdf", PDF)
    return activity, photo, report


def _manifest(path):
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile("manifest.json")), tar.getnames()


@pytest.mark.django_db(transaction=True)
def test_it_writes_an_owner_only_archive_with_database_uploads_and_manifest(
    installation, tmp_path, settings
):
    _activity_, photo, _report = installation
    path = tmp_path / "backups" / "sanlian.tar"
    call_command("backup", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    manifest, names = _manifest(path)
    assert manifest["key_fingerprint"] == fingerprint(settings.PII_KEY)
    assert manifest["counts"]["members"] == 2 and manifest["counts"]["evidence"] == 2
    assert manifest["versions"]["django"] and manifest["migrations"]
    assert f"media/{photo.file.name}" in names
    assert manifest["files"][f"media/{photo.file.name}"] == photo.sha256


@pytest.mark.django_db(transaction=True)
def test_it_writes_an_owner_only_database_copy(live_seeded, tmp_path):
    path = tmp_path / "db.backup"
    call_command("backup", str(path), database_only=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.django_db(transaction=True)
def test_a_restore_drill_gives_the_same_figures_head_and_evidence(installation, tmp_path, tree):
    activity, photo, _report = installation
    figures, head = _figures(tree), current_head()
    path = tmp_path / "sanlian.tar"
    call_command("backup", str(path))
    # After the backup: a new member, and an evidence file lost on disk.
    do_create_member(None, tree.village_1, name="赵磊")
    os.remove(photo.file.path)

    out = io.StringIO()
    with translation.override("en"):
        call_command("restore", str(path), yes=True, stdout=out)

    assert _figures(tree) == figures
    assert sorted(Member.objects.values_list("name", flat=True)) == ["李秀英", "王建国"]
    assert AuditEvent.objects.filter(seq=head[0], hash=head[1]).exists()
    assert verify_evidence().ok and verify_evidence().checked == 2
    assert "2 evidence files verified" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_it_refuses_an_archive_whose_file_does_not_match_its_manifest(installation, tmp_path, tree):
    _activity_, photo, _report = installation
    path, tampered = tmp_path / "sanlian.tar", tmp_path / "tampered.tar"
    call_command("backup", str(path))
    with tarfile.open(path) as source, tarfile.open(tampered, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.endswith(photo.file.name):
                data = PNG + b"edited"
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    do_create_member(None, tree.village_1, name="赵磊")
    with pytest.raises(CommandError, match=photo.file.name):
        call_command("restore", str(tampered), yes=True)
    assert Member.objects.count() == 3  # nothing was touched


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_restore_with_another_key(installation, tmp_path, settings):
    path = tmp_path / "sanlian.tar"
    call_command("backup", str(path))
    settings.PII_KEY = Fernet.generate_key().decode()
    with pytest.raises(CommandError, match=fingerprint(settings.PII_KEY)):
        call_command("restore", str(path), yes=True)


# sanlian evidence verify


@pytest.mark.django_db
def test_it_names_swapped_changed_and_lost_evidence_files(tree, media):
    activity = _activity(tree)
    photo, report = _evidence(activity, "照片.png", PNG), _evidence(activity, "报告.pdf", PDF)
    lost = _evidence(activity, "丢失.png", PNG + b"lost")
    photo_path, report_path = Path(photo.file.path), Path(report.file.path)
    photo_bytes, report_bytes = photo_path.read_bytes(), report_path.read_bytes()
    photo_path.write_bytes(report_bytes)
    report_path.write_bytes(photo_bytes)
    os.remove(lost.file.path)

    problems = {(p.evidence_id, p.kind, p.detail) for p in verify_evidence().problems}
    assert problems == {
        (photo.pk, SWAPPED, str(report.pk)),
        (report.pk, SWAPPED, str(photo.pk)),
        (lost.pk, LOST, ""),
    }
    with pytest.raises(CommandError, match="3"):
        call_command("evidence", "verify")


@pytest.mark.django_db
def test_it_names_a_changed_evidence_file_and_passes_intact_ones(tree, media, capsys):
    activity = _activity(tree)
    photo = _evidence(activity, "照片.png", PNG)
    call_command("evidence", "verify")
    assert "1" in capsys.readouterr().out
    Path(photo.file.path).write_bytes(PNG + b"edited")
    (problem,) = verify_evidence().problems
    assert (problem.evidence_id, problem.kind) == (photo.pk, CHANGED)
    assert Evidence.objects.get(pk=photo.pk).sha256 == photo.sha256
